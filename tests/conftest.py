"""Shared fixtures: the repository root and the Pulumi mock harness."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def shared_dir() -> Path:
    """`../shared` beside the checkout, as in CI; its absence is a failure, not a skip."""
    shared = REPO.parent / "shared"
    assert shared.is_dir(), f"{shared} is missing: clone the repo beside shared/ as CI does"
    return shared
