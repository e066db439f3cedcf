"""Versioning: the schema breaks no program written against the last release unless the major
version moves, and the changelog has an entry for the version."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from gantry.package import VERSION
from gantry.package.compat import breaking, changes, major, surface_changed
from gantry.package.schema_file import REPO, SCHEMA

RELEASED = REPO / "package" / "released" / "schema.json"
CHANGELOG = REPO / "package" / "CHANGELOG.md"


def _load(path: Any) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def test_this_schema_breaks_nothing_of_the_last_release() -> None:
    released, current = _load(RELEASED), _load(SCHEMA)
    assert breaking(released, current) == [], (
        "a breaking change needs a major version: set VERSION in gantry/package/__init__.py, "
        "add its entry to package/CHANGELOG.md and run `make docs`"
    )


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("-", maxsplit=1)[0].split(".")[:3])


def test_a_schema_that_differs_from_the_release_has_a_newer_version() -> None:
    released, current = _load(RELEASED), _load(SCHEMA)
    assert _release(VERSION) >= _release(released["version"]), "the version never goes back"
    if surface_changed(released, current):
        assert _release(VERSION) > _release(released["version"]), (
            f"the schema's inputs or outputs differ from release {released['version']}: set a "
            "new VERSION in gantry/package/__init__.py (minor for additions), add its entry "
            "to package/CHANGELOG.md and run `make docs`"
        )


def test_the_newest_changelog_entry_is_for_the_version() -> None:
    headings = re.findall(r"^## (\S+)$", CHANGELOG.read_text(encoding="utf-8"), re.MULTILINE)
    assert headings and headings[0] == VERSION, "the newest entry is for VERSION"


SERVICE = "gantry:index:GoService"
Edit = Callable[[dict[str, Any]], None]


def _drop_input(s: dict[str, Any]) -> None:
    del s["resources"][SERVICE]["inputProperties"]["zones"]


def _retype_input(s: dict[str, Any]) -> None:
    s["resources"][SERVICE]["inputProperties"]["signatureVerification"]["type"] = "string"


def _retype_items(s: dict[str, Any]) -> None:
    s["resources"][SERVICE]["inputProperties"]["zones"]["items"]["type"] = "integer"


def _require_input(s: dict[str, Any]) -> None:
    s["resources"][SERVICE]["requiredInputs"].append("zones")


def _drop_type_field(s: dict[str, Any]) -> None:
    del s["types"]["gantry:index:Replicas"]["properties"]["max"]


def _drop_enum_value(s: dict[str, Any]) -> None:
    s["types"]["gantry:index:LogLevel"]["enum"].pop()


def _drop_output(s: dict[str, Any]) -> None:
    del s["resources"][SERVICE]["properties"]["clusterUrl"]


def _drop_component(s: dict[str, Any]) -> None:
    del s["resources"]["gantry:index:AlertRules"]


BREAKING: dict[str, tuple[Edit, str]] = {
    "removed input": (_drop_input, f"{SERVICE} input.zones: removed"),
    "retyped input": (
        _retype_input,
        f"{SERVICE} input.signatureVerification: boolean became string",
    ),
    "retyped items": (_retype_items, f"{SERVICE} input.zones: array<string> became array<integer>"),
    "newly required": (_require_input, f"{SERVICE} input.zones: now required"),
    "removed type field": (_drop_type_field, "gantry:index:Replicas.max: removed"),
    "removed enum value": (_drop_enum_value, "gantry:index:LogLevel: value 'error' removed"),
    "removed output": (_drop_output, f"{SERVICE} output.clusterUrl: removed"),
    "removed component": (_drop_component, "gantry:index:AlertRules: removed"),
}


@pytest.mark.parametrize("case", sorted(BREAKING))
def test_a_breaking_change_fails_unless_the_major_version_moves(case: str) -> None:
    edit, expected = BREAKING[case]
    old = _load(SCHEMA)
    new = copy.deepcopy(old)
    edit(new)
    assert breaking(old, new) == [expected]
    new["version"] = f"{major(old['version']) + 1}.0.0"
    assert breaking(old, new) == []
    assert changes(old, new) == [expected], "the change is still seen, just allowed"


def test_an_addition_changes_the_surface_without_breaking() -> None:
    old = _load(SCHEMA)
    new = copy.deepcopy(old)
    new["resources"][SERVICE]["inputProperties"]["priority"] = {"type": "integer"}
    assert surface_changed(old, new) and breaking(old, new) == []
    reworded = copy.deepcopy(old)
    reworded["resources"][SERVICE]["description"] = "Said otherwise."
    assert not surface_changed(old, reworded)


def test_additions_break_nothing() -> None:
    old = _load(SCHEMA)
    new = copy.deepcopy(old)
    inputs = new["resources"][SERVICE]["inputProperties"]
    inputs["priority"] = {"type": "integer", "description": "A new optional input."}
    new["resources"][SERVICE]["properties"]["extra"] = {"type": "string"}
    new["types"]["gantry:index:LogLevel"]["enum"].append({"name": "TRACE", "value": "trace"})
    assert changes(old, new) == []


def test_major_reads_semantic_versions() -> None:
    assert [major(v) for v in ("0.1.0", "1.4.2", "v2.0.0-rc.1")] == [0, 1, 2]
