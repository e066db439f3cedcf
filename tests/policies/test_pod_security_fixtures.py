"""Where the conformance fixtures come from, and how their absence is reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from pod_security_fixtures import (
    FETCH_COMMAND,
    FixturesMissingError,
    kubernetes_minor,
    load_fixtures,
    module_dir,
    pinned_version,
)


def test_the_pin_names_a_staging_version_and_its_kubernetes_minor() -> None:
    version = pinned_version()
    assert version.startswith("v0.")
    assert kubernetes_minor(version) == "1." + version.split(".")[1]


def test_a_non_staging_version_is_refused() -> None:
    with pytest.raises(FixturesMissingError, match="staging"):
        kubernetes_minor("v1.2.3")


def test_fixtures_come_from_the_module_cache_not_from_a_sibling_folder() -> None:
    fixtures = load_fixtures()
    minor = kubernetes_minor(pinned_version())
    assert {f.version for f in fixtures} == {minor}
    assert {(f.level, f.expect) for f in fixtures} == {
        (level, expect) for level in ("baseline", "restricted") for expect in ("pass", "fail")
    }
    root = module_dir()
    assert all(f.path.is_relative_to(root) for f in fixtures)
    assert "shared" not in root.parts


def test_an_empty_module_cache_names_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOMODCACHE", str(tmp_path / "empty"))
    with pytest.raises(FixturesMissingError, match=FETCH_COMMAND):
        module_dir()


def test_a_missing_go_names_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(FixturesMissingError, match=f"install Go.*{FETCH_COMMAND}"):
        module_dir()
