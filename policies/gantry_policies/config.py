"""``python -m gantry_policies.config SETTINGS.json``: print a --policy-pack-config file.

SETTINGS.json holds the pack-wide settings once (see docs/policies.md);
the output repeats them under every policy name, as the engine expects.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .catalog import RULES
from .settings import expand


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m gantry_policies.config SETTINGS.json", file=sys.stderr)
        return 2
    settings = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    policies = {r.name: r.id for r in RULES if r.scope != "ci"}
    print(json.dumps(expand(settings, policies), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
