"""The committed schema, package/schema.json: rendered from what the provider serves.

    python -m gantry.package.schema_file      (`make docs-package-schema`, part of `make docs`)

A stale file fails tests/test_generated.py (scripts/generated.py lists it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .provider import GantryProvider

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "package" / "schema.json"
"""What the YAML, TypeScript, Go and Python SDKs are generated from (docs/component-package.md)."""


def render() -> str:
    """The schema the provider serves, as sorted, indented JSON."""
    served = GantryProvider().schema
    if served is None:
        msg = "the provider serves no schema"
        raise ValueError(msg)
    return json.dumps(json.loads(served), indent=2, sort_keys=True) + "\n"


def stale() -> list[str]:
    """Repository-relative path of the schema file when it differs from a fresh render."""
    current = SCHEMA.read_text(encoding="utf-8") if SCHEMA.is_file() else None
    return [] if current == render() else [str(SCHEMA.relative_to(REPO))]


def main(argv: list[str]) -> int:
    if argv:
        print("usage: python -m gantry.package.schema_file", file=sys.stderr)
        return 2
    SCHEMA.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
