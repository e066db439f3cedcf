"""Alertmanager routing, grouping and inhibition from the receivers' config."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from components.observability.alertmanager import alertmanager_config, render
from components.observability.settings import Receiver

SLACK = Receiver(
    name="prod-slack", type="slack", secret="slackUrl", channel="#alerts", severities=("warning",)
)
PAGER = Receiver(name="prod-pd", type="pagerduty", secret="pdKey", severities=("critical",))
HOOK = Receiver(name="hook", type="webhook", secret="hookUrl")
SECRETS = {
    "slackUrl": "https://hooks.slack.example/services/T0/B0/abc",
    "pdKey": "pd-routing-key-123",
    "hookUrl": "https://hooks.example/alerts",
}


def test_receivers_carry_their_secret_values() -> None:
    config = alertmanager_config([SLACK, PAGER, HOOK], SECRETS)
    by_name = {r["name"]: r for r in config["receivers"]}
    assert by_name["prod-slack"]["slack_configs"][0]["api_url"] == SECRETS["slackUrl"]
    assert by_name["prod-slack"]["slack_configs"][0]["channel"] == "#alerts"
    assert by_name["prod-pd"]["pagerduty_configs"][0]["routing_key"] == SECRETS["pdKey"]
    assert by_name["hook"]["webhook_configs"][0]["url"] == SECRETS["hookUrl"]
    assert by_name["null"] == {"name": "null"}


def test_grouping_and_severity_routes() -> None:
    route = alertmanager_config([SLACK, PAGER, HOOK], SECRETS)["route"]
    assert route["group_by"] == ["alertname", "namespace", "severity"]
    assert route["receiver"] == "null"
    routes = {r["receiver"]: r for r in route["routes"][1:]}
    assert routes["prod-pd"]["matchers"] == ['severity=~"critical"']
    assert routes["prod-slack"]["matchers"] == ['severity=~"warning"']
    assert routes["hook"]["matchers"] == ['severity=~"critical|warning"']
    assert all(r["continue"] for r in routes.values())
    assert route["routes"][0] == {
        "receiver": "null",
        "matchers": ['alertname=~"Watchdog|InfoInhibitor"'],
    }


def test_critical_inhibits_warning_for_the_same_alert_and_namespace() -> None:
    rules = alertmanager_config([PAGER], {"pdKey": "k"})["inhibit_rules"]
    assert {
        "source_matchers": ['severity="critical"'],
        "target_matchers": ['severity="warning"'],
        "equal": ["alertname", "namespace"],
    } in rules


def test_missing_secret_is_an_error() -> None:
    with pytest.raises(ValueError, match="slackUrl"):
        alertmanager_config([SLACK], {})


def test_no_receivers_is_a_valid_config() -> None:
    config = yaml.safe_load(render([], {}))
    assert config["receivers"] == [{"name": "null"}]


def test_rendered_config_passes_amtool(tmp_path: Path) -> None:
    amtool = shutil.which("amtool")
    assert amtool, (
        "amtool not found: apt-get install -y --no-install-recommends prometheus-alertmanager"
    )
    path = tmp_path / "alertmanager.yaml"
    path.write_text(render([SLACK, PAGER, HOOK], SECRETS))
    assert yaml.safe_load(path.read_text()) == alertmanager_config([SLACK, PAGER, HOOK], SECRETS)
    result = subprocess.run(
        [amtool, "check-config", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
