"""Shared fixtures: the repository root and the Pulumi mock harness."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    return REPO


def _missing_tools() -> list[str]:
    cache = Path(os.environ.get("GANTRY_CACHE") or Path.home() / ".cache" / "gantry")
    names = ("promtool", "amtool", "shellcheck", "openssl", "go")
    wanted = {name: shutil.which(name) for name in names}
    wanted["actionlint"] = str(cache / "bin" / "actionlint")
    return [name for name, path in wanted.items() if not path or not Path(path).exists()]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Say at the start, not after the run, which tools are missing and what installs them.

    Not for `-m integration` runs: the integration tests bring their own tools.
    """
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or hasattr(session.config, "workerinput"):
        return
    if session.config.option.markexpr == "integration":
        return
    missing = _missing_tools()
    if missing:
        reporter.write_line(
            f"MISSING TOOLS: {', '.join(missing)}: their tests will fail; run `make tools`",
            red=True,
            bold=True,
        )
