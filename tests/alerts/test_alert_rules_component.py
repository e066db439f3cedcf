"""AlertRules under Pulumi mocks: one PrometheusRule per group, labelled and namespaced."""

from __future__ import annotations

import pulumi

from components.alert_rules import AlertRules, AlertRulesArgs
from components.alerts import RuleGroup
from components.observability.endpoints import endpoints_for
from tests.harness import run_with_mocks

from .conftest import SCOPE, SLOS


def test_one_prometheus_rule_per_group(groups: list[RuleGroup]) -> None:
    def program() -> None:
        provider = pulumi.ProviderResource("kubernetes", "k8s", {})
        AlertRules(
            "alerts",
            AlertRulesArgs(observability=endpoints_for("observability"), scope=SCOPE, slos=SLOS),
            pulumi.ResourceOptions(providers={"kubernetes": provider}),
        )

    recording = run_with_mocks(program)
    component = recording.one("gantry:alert_rules:AlertRules", "alerts")
    rules = {
        r.name: r for r in recording.of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    }
    assert sorted(rules) == sorted(f"alerts-{g.name}" for g in groups)
    for group in groups:
        rule = rules[f"alerts-{group.name}"]
        assert rule.parent == component.urn
        assert rule.provider is not None and "k8s" in rule.provider
        meta = rule.inputs["metadata"]
        assert meta["name"] == group.name
        assert meta["namespace"] == "observability"
        assert meta["labels"]["release"] == "kps"
        assert meta["labels"]["app.kubernetes.io/part-of"] == "gantry"
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "pulumi"
        assert rule.inputs["apiVersion"] == "monitoring.coreos.com/v1"
        assert rule.inputs["spec"] == {"groups": [group.to_dict()]}
    assert recording.component_outputs(component)["group_names"] == [g.name for g in groups]
