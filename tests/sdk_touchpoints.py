"""Checks shared by the tests of the two private-SDK adapters.

gantry/pulumi_internals.py (the Pulumi SDK) and
policies/gantry_policies/sdk_internals.py (pulumi-policy) each list their
touchpoints as `module.name`; their tests check that each still exists and
grep the repository for any other file that reaches into the same SDK.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("components", "gantry", "scripts", "tests", "policies")


def exists(touchpoint: str) -> bool:
    """True when `module.name` is still there in the installed SDK."""
    module, name = touchpoint.rsplit(".", 1)
    return hasattr(importlib.import_module(module), name)


def reaching_in(private: re.Pattern[str], allowed: Iterable[Path]) -> list[str]:
    """`path:line: text` of every line outside `allowed` files that matches `private`."""
    skip = set(allowed)
    found = []
    for folder in FOLDERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            if path in skip:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if private.search(line):
                    found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    return found
