"""What a profile promises and a stack file may not undercut (README, "Stacks").

Profile defaults already keep these promises; the checks here stop a stack
file from overriding them below the floor, e.g. `profile: prod` with one replica.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KeyPath = tuple[int | str, ...]


@dataclass(frozen=True)
class Floor:
    """A key of a profile that must hold at least (or exactly) a value."""

    path: tuple[str, ...]
    why: str
    at_least: int | None = None
    one_of: tuple[str, ...] = ()

    def violated_by(self, value: Any) -> bool:
        if self.at_least is not None:
            is_int = isinstance(value, int) and not isinstance(value, bool)
            return is_int and value < self.at_least  # other types: pydantic reports them
        return isinstance(value, str) and value not in self.one_of

    def allowed(self) -> str:
        if self.at_least is not None:
            return f"at least {self.at_least}"
        return " or ".join(json.dumps(v) for v in self.one_of)


PROFILE_FLOORS: dict[str, tuple[Floor, ...]] = {
    "prod": (
        Floor(
            ("service", "replicas", "min"),
            "prod runs at least three replicas spread across zones",
            at_least=3,
        ),
        Floor(
            ("observability", "profile"),
            "prod runs the highly available observability profile",
            one_of=("ha",),
        ),
    ),
}


def _lookup(raw: Mapping[str, Any], path: tuple[str, ...]) -> tuple[bool, Any]:
    node: Any = raw
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def profile_problems(raw: Mapping[str, Any]) -> list[tuple[KeyPath, str]]:
    """Every key the stack file sets below its profile's floor, as (path, message)."""
    profile = raw.get("profile")
    problems: list[tuple[KeyPath, str]] = []
    for floor in PROFILE_FLOORS.get(profile, ()) if isinstance(profile, str) else ():
        given, value = _lookup(raw, floor.path)
        if given and floor.violated_by(value):
            key = "gantry:" + ".".join(floor.path)
            problems.append(
                (
                    floor.path,
                    f"{key}: given {json.dumps(value)}; {floor.allowed()} "
                    f"in the {profile} profile ({floor.why})",
                )
            )
    return problems
