"""Whether a schema breaks the programs written against an earlier release.

A program breaks when an input it sets is gone or takes another type, when an
input it omits becomes required, when an output it reads is gone or changes
type, when a component or an enum value it names is gone. Such a change needs
a new major version (semver): `breaking(old, new)` lists each one unless
`new`'s major part is above `old`'s; any other change of what a program can
name (an addition) needs a new version too (`surface_changed`).
tests/package/test_compat.py runs both against package/released/schema.json,
the schema of the last release.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]


def major(version: str) -> int:
    """The major part of a semantic version (`1.4.0` -> 1)."""
    return int(version.lstrip("v").split(".", 1)[0])


def shape(prop: Mapping[str, Any]) -> str:
    """A property's type, what a program's values must match: `string`, `array<#/types/x>`."""
    if "$ref" in prop:
        return str(prop["$ref"])
    kind = str(prop.get("type", "?"))
    if kind == "array":
        return f"array<{shape(prop.get('items', {}))}>"
    if kind == "object" and "additionalProperties" in prop:
        return f"map<{shape(prop['additionalProperties'])}>"
    return kind


def _members(
    where: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    old_required: list[str],
    new_required: list[str],
    *,
    inputs: bool,
) -> list[str]:
    changes = []
    for name, prop in old.items():
        if name not in new:
            changes.append(f"{where}.{name}: removed")
        elif shape(prop) != shape(new[name]):
            changes.append(f"{where}.{name}: {shape(prop)} became {shape(new[name])}")
    if inputs:
        changes += [
            f"{where}.{name}: now required"
            for name in new_required
            if name not in old_required and name in new
        ]
    return changes


def _resource_changes(token: str, old: Schema, new: Schema) -> list[str]:
    return [
        *_members(
            f"{token} input",
            old.get("inputProperties", {}),
            new.get("inputProperties", {}),
            old.get("requiredInputs", []),
            new.get("requiredInputs", []),
            inputs=True,
        ),
        *_members(
            f"{token} output",
            old.get("properties", {}),
            new.get("properties", {}),
            [],
            [],
            inputs=False,
        ),
    ]


def _type_changes(token: str, old: Schema, new: Schema) -> list[str]:
    if "enum" in old:
        kept = {v["value"] for v in new.get("enum", [])}
        gone = [v["value"] for v in old["enum"] if v["value"] not in kept]
        return [f"{token}: value {value!r} removed" for value in gone]
    return _members(
        token,
        old.get("properties", {}),
        new.get("properties", {}),
        old.get("required", []),
        new.get("required", []),
        inputs=True,
    )


def changes(old: Schema, new: Schema) -> list[str]:
    """Every change from `old` to `new` that can break a program written against `old`."""
    found = []
    for kind, compare in (("resources", _resource_changes), ("types", _type_changes)):
        for token, definition in old.get(kind, {}).items():
            if token not in new.get(kind, {}):
                found.append(f"{token}: removed")
            else:
                found += compare(token, definition, new[kind][token])
    return found


def surface_changed(old: Schema, new: Schema) -> bool:
    """True when `new` adds or takes away anything a program can name (descriptions aside)."""
    return bool(changes(old, new) or changes(new, old))


def breaking(old: Schema, new: Schema) -> list[str]:
    """The breaking changes `new` makes without moving the major version (empty: fine)."""
    if major(new["version"]) > major(old["version"]):
        return []
    return changes(old, new)
