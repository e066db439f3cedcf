"""Generate the ``--policy-pack-config`` files from the stacks' own config.

Each stack's file (the path its ``gantry:policy.pack_config`` names) is generated from
``Pulumi.<stack>.yaml`` (``stack_settings``) and never edited by hand. The engine
hands each policy only the config under its own name, so every policy gets just
the keys it reads, the exemptions that name it and its level:

    make policy-config                                     # = the --write below
    python -m gantry_policies.config --write               # regenerate every stack's file
    python -m gantry_policies.config --check               # exit 1, naming the command, if stale
    python -m gantry_policies.config --path STACK          # the file STACK's config names
    python -m gantry_policies.config --stack STACK         # print STACK's pack config
    python -m gantry_policies.config SETTINGS.json         # print it for any settings document

``generate()``, ``write()`` and ``stale()`` are what ``make docs``/``make check`` call.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from .catalog import RULES
from .settings import expand
from .stack_settings import PROJECT_ROOT, load_stack, settings_for, stack_names

PACK_DIR: Final = Path(__file__).resolve().parents[1]
CONFIG_DIR: Final = PACK_DIR / "config"
REGENERATE: Final = (
    "make policy-config  (or: cd policies && python -m gantry_policies.config --write)"
)


def pack_config(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The ``--policy-pack-config`` document for one settings document."""
    return expand(settings, [r for r in RULES if r.scope != "ci"])


def render(settings: Mapping[str, Any]) -> str:
    """The pack-config JSON text for one settings document."""
    return json.dumps(pack_config(settings), indent=2, sort_keys=True) + "\n"


def pack_config_path(stack: str, root: Path = PROJECT_ROOT) -> Path:
    """Where ``stack``'s pack config lives: the path its ``gantry:policy.pack_config`` names."""
    return root / str(load_stack(stack, root).policy.pack_config)


def generate(root: Path = PROJECT_ROOT) -> dict[Path, str]:
    """Every stack's pack-config path and the text it must hold."""
    out = {}
    for stack in stack_names(root):
        config = load_stack(stack, root)
        out[root / config.policy.pack_config] = render(settings_for(config))
    return out


def stale(root: Path = PROJECT_ROOT) -> list[Path]:
    """Generated files that are missing or differ from what the stacks say."""
    return [
        path
        for path, text in generate(root).items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]


def write(root: Path = PROJECT_ROOT) -> list[Path]:
    """Write every stack's pack config; the paths written."""
    written = []
    for path, text in generate(root).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if argv == ["--write"]:
        write()
        return 0
    if argv == ["--check"]:
        paths = stale()
        for path in paths:
            print(f"{path.relative_to(PROJECT_ROOT)} is stale: run {REGENERATE}", file=sys.stderr)
        return 1 if paths else 0
    if len(argv) == 2 and argv[0] == "--path":
        print(pack_config_path(argv[1]).relative_to(PROJECT_ROOT))
        return 0
    if len(argv) == 2 and argv[0] == "--stack":
        sys.stdout.write(render(settings_for(load_stack(argv[1]))))
        return 0
    if len(argv) == 1 and not argv[0].startswith("-"):
        settings = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
        sys.stdout.write(render(settings))
        return 0
    print(
        "usage: python -m gantry_policies.config"
        " (--write | --check | --path STACK | --stack STACK | SETTINGS.json)",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
