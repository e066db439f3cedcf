"""`gantry:index:AlertRules`: the program's SLO and health alerts, for other projects.

No `from __future__ import annotations`: the SDK's schema inference reads live annotations.
"""

from enum import StrEnum
from typing import Any, Required, TypedDict

import pulumi

from components.alert_rules import AlertRules as ProgramAlertRules
from components.alert_rules import AlertRulesArgs as ProgramAlertRulesArgs
from components.alerts import AlertScope
from components.alerts.runbooks import DEFAULT_RUNBOOK_BASE_URL
from components.observability.endpoints import endpoints_for
from gantry.config.observability import ObservabilityConfig
from gantry.config.slo import SloConfig
from gantry.config_adapter import RELEASES, slo

from .inputs import (
    PackageInputError,
    Problem,
    join,
    missing,
    plain_data,
    service_scope,
    unique,
    validated,
)


class SloKind(StrEnum):
    """What an SLO counts as a good request."""

    AVAILABILITY = "availability"
    """Any response that is not a 5xx."""
    LATENCY = "latency"
    """A response faster than the SLO's `latencyThresholdSeconds`."""


class SloWindow(StrEnum):
    """The SLO's rolling compliance window."""

    THIRTY_DAYS = "30d"
    """30 days: the burn-rate windows (5m to 3d) are the ones for 30 days."""


class Slo(TypedDict, total=False):
    """One request-based SLO of the service; its alerts page at 14.4x and 6x burn, and
    open a ticket at 3x and 1x."""

    name: Required[str]
    """Rule-safe name, a DNS label unique among the SLOs, e.g. availability."""
    kind: Required[SloKind]
    """availability or latency."""
    objective: Required[float]
    """Target share of good requests, between 0 and 1 exclusive, e.g. 0.999."""
    latency_threshold_seconds: float
    """Latency SLOs only, required there: a request is good when faster. One of the
    service's histogram bucket bounds (0.005 to 10 s)."""
    window: SloWindow
    """Rolling compliance window (default 30d, the only one)."""
    description: str
    """Shown in the alerts' descriptions (default none)."""


class AlertRulesArgs(TypedDict, total=False):
    """The inputs of one AlertRules."""

    service: Required[str]
    """The service's Kubernetes Service name, which is also its Prometheus job."""
    namespace: Required[str]
    """The service's namespace."""
    slos: Required[list[Slo]]
    """The SLOs alerts are generated from; an empty list gives the health rules only."""
    observability_namespace: str
    """Namespace of the ObservabilityStack whose Prometheus loads the rules; the
    PrometheusRule objects are created there (default observability). The cluster needs the
    PrometheusRule CRD (monitoring.coreos.com/v1), which that stack installs."""
    runbook_base_url: str
    """Prefix of every alert's `runbook_url`, e.g. a forge's blob/main/docs/runbooks
    (default docs/runbooks)."""


def parse(name: str, args: AlertRulesArgs) -> ProgramAlertRulesArgs:
    """The program's AlertRules args from the package's inputs; every problem at once."""
    data: dict[str, Any] = plain_data(args)
    problems: list[Problem] = missing(data, ("service", "namespace", "slos"))
    problems += service_scope(data, "service", "namespace")
    stack_namespace = data.get("observability_namespace", ObservabilityConfig().namespace)
    problems += validated(
        ObservabilityConfig,
        {"namespace": stack_namespace},
        rename={"namespace": "observability_namespace"},
    )[1]
    slos = []
    for index, raw in enumerate(data.get("slos", [])):
        checked, found = validated(SloConfig, raw, join("slos", index))
        problems += found
        if checked is not None:
            slos.append(checked)
    problems += unique((s.name for s in slos), "slos", "SLO")
    if problems:
        raise PackageInputError("AlertRules", name, problems)
    return ProgramAlertRulesArgs(
        observability=endpoints_for(stack_namespace, RELEASES),
        scope=AlertScope(
            service=data["service"],
            namespace=data["namespace"],
            observability_namespace=stack_namespace,
        ),
        slos=[slo(s) for s in slos],
        runbook_base_url=data.get("runbook_base_url", DEFAULT_RUNBOOK_BASE_URL),
    )


class AlertRules(pulumi.ComponentResource):
    """The service's multi-window multi-burn-rate SLO alerts and its health alerts, as one
    PrometheusRule per rule group, every alert with severity, summary, description and
    runbook_url. Pass the cluster's Kubernetes provider in the `providers` option."""

    group_names: pulumi.Output[list[str]]
    """The rule groups' names, one PrometheusRule each, in order."""

    def __init__(
        self, name: str, args: AlertRulesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        program_args = parse(name, args)  # before anything is registered
        super().__init__("gantry:index:AlertRules", name, None, opts)
        rules = ProgramAlertRules(name, program_args, pulumi.ResourceOptions(parent=self))
        self.group_names = rules.group_names
        self.register_outputs({"group_names": self.group_names})
