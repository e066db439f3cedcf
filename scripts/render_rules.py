"""Write the stack's alert rules as plain Prometheus rule files (`make rules OUT=dir`).

Validates the whole committed Pulumi.<stack>.yaml (a bad config is one
message and exit 1, as in `make check`), builds from its `gantry:slos` and
`gantry:service` (profile defaults when absent) the same groups the
AlertRules component deploys, and writes one `<group>.yaml` per group.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from components.alerts import AlertScope, build_rule_groups  # noqa: E402
from components.alerts.render import write_rule_files  # noqa: E402
from components.alerts.runbooks import DEFAULT_RUNBOOK_BASE_URL  # noqa: E402
from gantry.config import StackConfigError  # noqa: E402
from gantry.config.source import load_stack  # noqa: E402
from gantry.config_adapter import slos  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to read")
    parser.add_argument("--out", type=Path, required=True, help="directory for the rule files")
    parser.add_argument("--runbook-base-url", default=DEFAULT_RUNBOOK_BASE_URL)
    args = parser.parse_args(argv)

    try:
        config = load_stack(REPO, args.stack)
    except StackConfigError as error:
        print(error, file=sys.stderr)
        return 1
    scope = AlertScope(
        service=config.service.name,
        namespace=config.service.namespace,
        observability_namespace=config.observability.namespace,
    )
    groups = build_rule_groups(scope, slos(config), args.runbook_base_url)
    for path in write_rule_files(groups, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
