"""Check a stack without a cloud or the engine: its config, its pack config, the generated files.

    python scripts/check_stack.py --stack dev        (`make check STACK=dev`)

Prints one message listing every problem, each with its file and line, the
key, the value given, what is allowed and, where a close name exists, "did
you mean". Exit 1 on any problem, 0 when the stack is ready to preview.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for entry in (REPO, REPO / "policies"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from gantry_policies import config as pack  # noqa: E402
from gantry_policies.stack_settings import settings_for  # noqa: E402

from gantry.config import StackConfig, StackConfigError  # noqa: E402
from gantry.config.source import load_stack  # noqa: E402
from scripts.generated import stale_messages  # noqa: E402


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def pack_problems(config: StackConfig, repo: Path = REPO) -> list[str]:
    """The stack's pack config can be generated, and the file it names exists."""
    problems = []
    try:
        pack.render(settings_for(config))
    except ValueError as error:  # SettingsError included
        problems.append(f"gantry:policy: the pack config cannot be generated: {error}")
    named = repo / config.policy.pack_config
    if not named.is_file():
        problems.append(
            f"{_relative(named)}: missing; gantry:policy.pack_config names it; run `make docs`"
        )
    return problems


def check(stack: str, repo: Path = REPO) -> list[str]:
    """Every problem of `stack`, one line each; [] when it is ready to preview."""
    try:
        config = load_stack(repo, stack)
    except StackConfigError as error:
        return list(error.problems) + stale_messages(reported=frozenset({stack}))
    return pack_problems(config, repo) + stale_messages()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True, help="stack name (Pulumi.<stack>.yaml)")
    args = parser.parse_args(argv)
    problems = check(args.stack)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        print(f"make check: stack '{args.stack}' has {count}:", file=sys.stderr)
        for line in problems:
            print(f"  - {line}", file=sys.stderr)
        return 1
    print(f"stack '{args.stack}': config, pack config and generated files are valid and current")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
