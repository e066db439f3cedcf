"""Generated rules for the alert tests, and promtool (required: absence fails)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from components.alerts import AlertScope, RuleGroup, build_rule_groups
from components.alerts.render import write_rule_files
from components.alerts.settings import Slo

PROMTOOL_DIR = Path(__file__).resolve().parent / "promtool"

# The scope and SLOs the hand-written promtool scenarios are written against.
SCOPE = AlertScope(service="hello", namespace="hello", observability_namespace="observability")
SLOS = [
    Slo(name="availability", kind="availability", objective=0.999),
    Slo(name="latency", kind="latency", objective=0.99, latency_threshold_seconds=0.25),
]


@pytest.fixture(scope="session")
def promtool() -> str:
    path = shutil.which("promtool")
    assert path, "promtool not found: apt-get install -y --no-install-recommends prometheus"
    return path


@pytest.fixture(scope="session")
def groups() -> list[RuleGroup]:
    return build_rule_groups(SCOPE, SLOS)


@pytest.fixture(scope="session")
def rules_dir(tmp_path_factory: pytest.TempPathFactory, groups: list[RuleGroup]) -> Path:
    """The generated rule files, with the promtool scenarios copied beside them."""
    out = tmp_path_factory.mktemp("rules")
    write_rule_files(groups, out)
    for scenario in PROMTOOL_DIR.glob("*.yml"):
        shutil.copy(scenario, out / scenario.name)
    return out
