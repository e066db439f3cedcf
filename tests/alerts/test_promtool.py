"""promtool checks the generated files and runs every hand-written scenario against them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from components.alerts import RuleGroup

from .conftest import PROMTOOL_DIR

SCENARIOS = sorted(p.name for p in PROMTOOL_DIR.glob("*.yml"))


def test_promtool_check_rules_passes_on_every_generated_file(
    promtool: str, rules_dir: Path, groups: list[RuleGroup]
) -> None:
    for group in groups:
        path = rules_dir / f"{group.name}.yaml"
        result = subprocess.run(
            [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{path.name}:\n{result.stdout}{result.stderr}"
        assert f"SUCCESS: {len(group.rules)} rules found" in result.stdout


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_promtool_scenario(promtool: str, rules_dir: Path, scenario: str) -> None:
    result = subprocess.run(
        [promtool, "test", "rules", scenario],
        cwd=rules_dir,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, f"{scenario}:\n{result.stdout}{result.stderr}"


def test_every_alert_has_a_firing_and_a_quiet_scenario(groups: list[RuleGroup]) -> None:
    fires: set[str] = set()
    quiet: set[str] = set()
    for name in SCENARIOS:
        spec = yaml.safe_load((PROMTOOL_DIR / name).read_text(encoding="utf-8"))
        for test in spec["tests"]:
            for case in test.get("alert_rule_test", []):
                (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
    alerts = {alert.alert for group in groups for alert in group.alerts}
    assert alerts - fires == set(), "alerts without a scenario where they fire"
    assert alerts - quiet == set(), "alerts without a near-threshold scenario where they stay quiet"
    assert fires | quiet <= alerts, "scenarios name alerts that are not generated"
