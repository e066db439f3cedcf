"""PrometheusRule objects for the stack's generated alert rules.

One PrometheusRule per rule group, so a group can be read, diffed and replaced
on its own, and `make rules` writes exactly the same groups as plain files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

from components.alerts import AlertScope, RuleGroup, build_rule_groups
from components.alerts.health import HealthThresholds
from components.alerts.runbooks import DEFAULT_RUNBOOK_BASE_URL
from components.alerts.settings import Slos
from components.observability.endpoints import ObservabilityEndpoints

PROMETHEUS_RULE_API_VERSION = "monitoring.coreos.com/v1"


@dataclass
class AlertRulesArgs:
    """Inputs of AlertRules.

    observability: the stack's contract: the PrometheusRule objects live in its
        namespace and carry its `rule_labels`, which Prometheus' rule selector matches.
    scope: the service and namespaces the rules look at.
    slos: the stack's SLOs (`gantry:slos`, or the profile defaults).
    runbook_base_url: prefix of every `runbook_url`; default `docs/runbooks`.
    thresholds: health rule thresholds; default `HealthThresholds()`.
    """

    observability: ObservabilityEndpoints
    scope: AlertScope
    slos: Slos
    runbook_base_url: str = DEFAULT_RUNBOOK_BASE_URL
    thresholds: HealthThresholds | None = None


class AlertRules(pulumi.ComponentResource):
    """The SLO and health rule groups as PrometheusRule custom resources.

    Pass the target's Kubernetes provider in `opts` (providers={"kubernetes": p}
    or provider=p); children inherit it.

    Outputs:
        group_names: the rule group names, one PrometheusRule each, in order.
    """

    group_names: pulumi.Output[list[str]]

    def __init__(
        self, name: str, args: AlertRulesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gantry:alert_rules:AlertRules", name, None, opts)
        groups = build_rule_groups(args.scope, args.slos, args.runbook_base_url, args.thresholds)
        self.rules = [self._prometheus_rule(name, group, args) for group in groups]
        self.group_names = pulumi.Output.from_input([g.name for g in groups])
        self.register_outputs({"group_names": self.group_names})

    def _prometheus_rule(self, name: str, group: RuleGroup, args: AlertRulesArgs) -> CustomResource:
        return CustomResource(
            f"{name}-{group.name}",
            api_version=PROMETHEUS_RULE_API_VERSION,
            kind="PrometheusRule",
            metadata=ObjectMetaArgs(
                name=group.name,
                namespace=args.observability.namespace,
                labels=rule_labels(args.observability.rule_labels, args.scope.service),
            ),
            spec={"groups": [group.to_dict()]},
            opts=pulumi.ResourceOptions(parent=self),
        )


def rule_labels(selected_by: Mapping[str, str], service: str) -> dict[str, str]:
    """The rule selector's labels plus the standard app.kubernetes.io labels."""
    return {
        **selected_by,
        "app.kubernetes.io/name": "gantry-alert-rules",
        "app.kubernetes.io/part-of": "gantry",
        "app.kubernetes.io/component": "alerting",
        "app.kubernetes.io/instance": service,
        "app.kubernetes.io/managed-by": "pulumi",
    }
