"""Write the stack's alert rules as plain Prometheus rule files (`make rules OUT=dir`).

Reads `gantry:slos` and `gantry:service` from a committed Pulumi.<stack>.yaml
(profile defaults when absent), builds the same groups the AlertRules component
deploys, and writes one `<group>.yaml` per group.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from components.alerts import AlertScope, build_rule_groups  # noqa: E402
from components.alerts.render import write_rule_files  # noqa: E402
from components.alerts.runbooks import DEFAULT_RUNBOOK_BASE_URL  # noqa: E402
from components.config.slo import SloConfig, default_slos  # noqa: E402


def _stack_values(stack: str) -> dict[str, Any]:
    path = REPO / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        msg = f"{path.name} not found"
        raise SystemExit(msg)
    config = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("config", {})
    return {k.removeprefix("gantry:"): v for k, v in config.items() if k.startswith("gantry:")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to read")
    parser.add_argument("--out", type=Path, required=True, help="directory for the rule files")
    parser.add_argument("--runbook-base-url", default=DEFAULT_RUNBOOK_BASE_URL)
    args = parser.parse_args(argv)

    values = _stack_values(args.stack)
    service = values.get("service") or {}
    name = str(service.get("name", "hello"))
    namespace = str(service.get("namespace", "hello"))
    observability = str((values.get("observability") or {}).get("namespace", "observability"))
    raw_slos = values.get("slos")
    slos = (
        [SloConfig.model_validate(s) for s in raw_slos]
        if raw_slos
        else default_slos(str(values.get("profile", args.stack)), name)
    )
    scope = AlertScope(service=name, namespace=namespace, observability_namespace=observability)
    groups = build_rule_groups(scope, slos, args.runbook_base_url)
    for path in write_rule_files(groups, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
