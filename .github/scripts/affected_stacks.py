"""Decide which Pulumi stacks a change can affect, so a pull request previews only those.

Rules (first match wins, per changed path):
- ``Pulumi.<stack>.yaml`` and ``policies/config/<stack>.json`` affect only that stack;
- paths that cannot change a deployment (docs, tests, markdown) affect none;
- everything else (``components/``, ``gantry/``, ``__main__.py``, ``Pulumi.yaml``,
  ``policies/``, ``app/``, requirements, the delivery workflows, unknown paths) affects every
  stack. Unknown paths count as "all" on purpose: a preview too many costs minutes, a preview
  too few lets an unreviewed change reach production.

Usage in CI: ``git diff --name-only --no-renames BASE HEAD | affected_stacks.py --stacks dev,prod``
prints ``stacks=<json list>``, ``include=<json matrix entries>`` and ``any=<true|false>``
(the format of ``$GITHUB_OUTPUT``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

_STACK_CONFIG = re.compile(r"^Pulumi\.(?P<stack>[A-Za-z0-9_.-]+)\.ya?ml$")
_POLICY_CONFIG = re.compile(r"^policies/config/(?P<stack>[A-Za-z0-9_.-]+)\.json$")

# Prefixes and suffixes of paths that never change what a stack deploys.
_INERT_PREFIXES = ("docs/", "tests/", ".github/ISSUE_TEMPLATE/")
_INERT_SUFFIXES = (".md",)
_INERT_NAMES = frozenset({".gitignore", "LICENSE", ".editorconfig", "CODEOWNERS"})


def stacks_for_path(path: str, stacks: Sequence[str]) -> set[str]:
    """Return the stacks (out of ``stacks``) that a change to ``path`` can affect."""
    normalized = PurePosixPath(path.strip()).as_posix()
    for pattern in (_STACK_CONFIG, _POLICY_CONFIG):
        match = pattern.match(normalized)
        if match:
            stack = match.group("stack")
            return {stack} if stack in stacks else set()
    name = PurePosixPath(normalized).name
    if (
        normalized.startswith(_INERT_PREFIXES)
        or normalized.endswith(_INERT_SUFFIXES)
        or name in _INERT_NAMES
    ):
        return set()
    return set(stacks)


def affected_stacks(changed_paths: Iterable[str], stacks: Sequence[str]) -> list[str]:
    """Stacks affected by any of ``changed_paths``, in the order of ``stacks``."""
    hit: set[str] = set()
    for path in changed_paths:
        if path.strip():
            hit |= stacks_for_path(path, stacks)
    return [stack for stack in stacks if stack in hit]


def variable_suffix(stack: str) -> str:
    """The suffix of a stack's GitHub variables: ``prod-eu`` -> ``PROD_EU``.

    Variable names allow only letters, digits and ``_``; the workflows look up
    ``AWS_READ_ROLE_ARN_<suffix>`` and friends.
    """
    return re.sub(r"[^A-Za-z0-9]", "_", stack).upper()


def matrix_include(stacks: Sequence[str]) -> list[dict[str, str]]:
    """``strategy.matrix.include`` entries: the stack and its variable suffix."""
    return [{"stack": stack, "suffix": variable_suffix(stack)} for stack in stacks]


def parse_stack_list(value: str) -> list[str]:
    """Split a comma/space separated stack list, keeping order and dropping duplicates."""
    seen: list[str] = []
    for item in re.split(r"[,\s]+", value):
        if item and item not in seen:
            seen.append(item)
    return seen


def main(argv: Sequence[str] | None = None) -> int:
    """Read changed paths on stdin, print the GitHub Actions outputs on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stacks",
        required=True,
        help="stacks CI may preview, comma or space separated (e.g. 'dev,prod')",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="ignore stdin and select every stack (scheduled jobs such as the drift check)",
    )
    args = parser.parse_args(argv)
    stacks = parse_stack_list(args.stacks)
    if not stacks:
        parser.error("--stacks is empty")
    result = stacks if args.all else affected_stacks(sys.stdin.read().splitlines(), stacks)
    sys.stdout.write(f"stacks={json.dumps(result)}\n")
    sys.stdout.write(f"include={json.dumps(matrix_include(result))}\n")
    sys.stdout.write(f"any={'true' if result else 'false'}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
