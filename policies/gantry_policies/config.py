"""Turn pack-wide settings into the ``--policy-pack-config`` files the engine reads.

The engine hands each policy only the config stored under its own name, so a
pack config repeats the settings under every policy. People edit one document
per stack, ``policies/settings/<stack>.json``; the committed
``policies/config/<stack>.json`` is generated from it:

    python -m gantry_policies.config --write    # regenerate every stack's file
    python -m gantry_policies.config --check    # exit 1 if one is stale
    python -m gantry_policies.config SETTINGS.json   # print one file (any settings)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .catalog import RULES
from .settings import expand

PACK_DIR = Path(__file__).resolve().parents[1]
SETTINGS_DIR = PACK_DIR / "settings"
CONFIG_DIR = PACK_DIR / "config"


def policy_ids() -> dict[str, str]:
    """Policy name -> rule id, for every rule the engine runs."""
    return {r.name: r.id for r in RULES if r.scope != "ci"}


def render(settings: dict[str, Any]) -> str:
    """The pack-config JSON text for one settings document."""
    return json.dumps(expand(settings, policy_ids()), indent=2, sort_keys=True) + "\n"


def generated() -> dict[Path, str]:
    """Every stack's config path and the text it must hold."""
    out = {}
    for source in sorted(SETTINGS_DIR.glob("*.json")):
        settings = json.loads(source.read_text(encoding="utf-8"))
        out[CONFIG_DIR / source.name] = render(settings)
    return out


def _stale() -> list[Path]:
    return [
        path
        for path, text in generated().items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: list[str]) -> int:
    if argv == ["--write"]:
        CONFIG_DIR.mkdir(exist_ok=True)
        for path, text in generated().items():
            path.write_text(text, encoding="utf-8")
        return 0
    if argv == ["--check"]:
        stale = _stale()
        for path in stale:
            print(f"{path} is stale: run python -m gantry_policies.config --write", file=sys.stderr)
        return 1 if stale else 0
    if len(argv) == 1 and not argv[0].startswith("-"):
        settings = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
        sys.stdout.write(render(settings))
        return 0
    print(
        "usage: python -m gantry_policies.config (--write | --check | SETTINGS.json)",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
