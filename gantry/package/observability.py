"""`gantry:index:ObservabilityStack`: the program's observability stack, for other projects.

No `from __future__ import annotations`: the SDK's schema inference reads live annotations.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Required, TypedDict

import pulumi

from components.observability.component import DEFAULT_NODES
from components.observability.component import ObservabilityStack as ProgramStack
from components.observability.component import ObservabilityStackArgs as ProgramStackArgs
from components.placement import Placement
from components.targets.base import ObjectStorage
from gantry.config.base import DnsLabel
from gantry.config.observability import ObservabilityConfig
from gantry.config_adapter import RELEASES, observability_settings

from .inputs import (
    PackageInputError,
    Problem,
    checked_value,
    missing,
    plain_data,
    service_scope,
    validated,
)


class ObservabilityProfile(StrEnum):
    """How big and how redundant the stack is."""

    SMALL = "small"
    """Single replicas on volumes (the default)."""
    HA = "ha"
    """Replicated; object storage where the cluster target provides it."""


class ReceiverType(StrEnum):
    """Where an Alertmanager receiver sends notifications."""

    SLACK = "slack"
    """A Slack incoming webhook; its URL is the receiver's secret."""
    PAGERDUTY = "pagerduty"
    """PagerDuty Events v2; the routing key is the receiver's secret."""
    WEBHOOK = "webhook"
    """Any HTTP endpoint; its URL is the receiver's secret."""


class Severity(StrEnum):
    """An alert's severity label."""

    CRITICAL = "critical"
    """Pages: the error budget burns fast."""
    WARNING = "warning"
    """Opens a ticket: the budget burns slowly, or a health symptom."""
    INFO = "info"
    """For dashboards and routing only."""


class Retention(TypedDict, total=False):
    """How long each signal is kept, as Prometheus-style durations (30s, 15m, 6h, 15d)."""

    metrics: str
    """Prometheus TSDB retention (default 15d)."""
    logs: str
    """Loki retention (default 7d)."""
    traces: str
    """Tempo block retention (default 72h)."""


class Storage(TypedDict, total=False):
    """Volumes, each at least 1Gi; in the ha profile object storage holds the bulk."""

    persistent: bool
    """False: emptyDir volumes, data lost with the pod (default true: PersistentVolumeClaims)."""
    prometheus: str
    """PVC size per Prometheus replica (default 20Gi)."""
    alertmanager: str
    """PVC size per Alertmanager replica (default 1Gi)."""
    loki: str
    """PVC size for Loki (default 10Gi)."""
    tempo: str
    """PVC size for Tempo (default 10Gi)."""
    grafana: str
    """PVC size for Grafana (default 1Gi)."""
    storage_class: str
    """StorageClass of every PVC (default the cluster's default class)."""


class ChartSource(TypedDict, total=False):
    """Where to fetch one chart instead of its pinned repository."""

    repository: Required[str]
    """https://..., oci://... or a local directory."""
    version: str
    """Chart version (default the pin's, components/versions.py)."""


class Receiver(TypedDict, total=False):
    """One Alertmanager receiver; its URL or key is `receiverSecrets[<secret>]`."""

    name: Required[str]
    """Receiver name in Alertmanager (a DNS label, unique)."""
    type: Required[ReceiverType]
    """slack, pagerduty or webhook."""
    secret: Required[str]
    """The key in `receiverSecrets` holding the webhook URL or routing key."""
    severities: list[Severity]
    """Alert severities routed here, at least one (default critical and warning)."""
    channel: str
    """Slack channel, e.g. #alerts; slack receivers only (default the webhook's own)."""


class ObservabilitySettings(TypedDict, total=False):
    """What the stack looks like; every field has the program's default."""

    profile: ObservabilityProfile
    """small or ha (default small)."""
    namespace: str
    """Namespace of the stack (a DNS label; default observability)."""
    retention: Retention
    """How long each signal is kept (default 15d metrics, 7d logs, 72h traces)."""
    storage: Storage
    """Volumes (default PersistentVolumeClaims of the sizes above)."""
    charts: dict[str, ChartSource]
    """Per-chart source by chart name: kube-prometheus-stack, loki, tempo or alloy
    (default none: the pins' repositories)."""
    chart_mirror: str
    """Directory of unpacked charts named <chart>-<version>/, for clusters without internet
    (default none: the repositories)."""
    receivers: list[Receiver]
    """Alertmanager receivers (default none: alerts reach no one)."""
    grafana_host: str
    """Ingress host for Grafana (default none: port-forward)."""


class ObservabilityStackArgs(TypedDict, total=False):
    """The inputs of one ObservabilityStack."""

    service: Required[str]
    """The Go service's Kubernetes Service name (its Prometheus job): the dashboard's."""
    service_namespace: Required[str]
    """The namespace the service runs in, allowed through the stack's NetworkPolicies."""
    cluster: Required[str]
    """The cluster's name (a DNS label), Prometheus' `cluster` external label."""
    settings: ObservabilitySettings
    """The stack's settings (default: every field's default)."""
    receiver_secrets: pulumi.Input[dict[str, str]]
    """Secret: each receiver's webhook URL or routing key, by the receiver's `secret`
    (default none; required when there are receivers)."""
    managed_control_plane: bool
    """True on a managed control plane (EKS, GKE, AKS), whose scheduler, controller-manager
    and etcd metrics are hidden: their scrapes and alerts are left out (default false)."""
    nodes: int
    """Nodes assumed for DaemonSet pods in the requests budget, at least 1 (default 3)."""


@dataclass(frozen=True)
class PackageCluster:
    """The cluster as the package knows it: its provider is the one in the caller's options."""

    name: str
    managed_control_plane: bool
    provider: pulumi.ProviderResource | None = None
    storage: ObjectStorage | None = None
    placement: Placement = field(default_factory=Placement)
    stand_in_placement: Placement = field(default_factory=Placement)
    api_server_port: int | None = None
    host_network: bool = True
    host_mount_propagation: bool = True
    kube_version: str | None = None


def _secret(secrets: pulumi.Input[Mapping[str, str]], key: str) -> pulumi.Output[str]:
    def pick(values: Mapping[str, str]) -> str:
        if key not in values:
            msg = f"receiverSecrets has no '{key}', which a receiver names as its secret"
            raise ValueError(msg)
        return values[key]

    return pulumi.Output.secret(pulumi.Output.from_input(secrets).apply(pick))


def parse(name: str, args: ObservabilityStackArgs) -> ProgramStackArgs:
    """The program's ObservabilityStack args from the package's inputs; every problem at once."""
    data: dict[str, Any] = plain_data(args)
    problems: list[Problem] = missing(data, ("service", "service_namespace", "cluster"))
    problems += service_scope(data, "service", "service_namespace")
    if "cluster" in data:
        problems += checked_value(DnsLabel, data["cluster"], "cluster")
    nodes = data.get("nodes", DEFAULT_NODES)
    if nodes < 1:
        problems.append(("nodes", f"given {nodes}; at least one node"))
    settings, found = validated(ObservabilityConfig, data.get("settings", {}), "settings")
    problems += found
    keys = sorted({r.secret for r in settings.receivers}) if settings else []
    secrets = args.get("receiver_secrets")
    if keys and secrets is None:
        problems.append(("receiverSecrets", f"given nothing; the receivers name {keys}"))
    if isinstance(secrets, Mapping):
        absent = [k for k in keys if k not in secrets]
        if absent:
            problems.append(("receiverSecrets", f"has no {absent}, which receivers name"))
    if problems or settings is None:
        raise PackageInputError("ObservabilityStack", name, problems)
    return ProgramStackArgs(
        target=PackageCluster(
            name=data["cluster"], managed_control_plane=data.get("managed_control_plane", False)
        ),
        settings=observability_settings(settings),
        service=data["service"],
        service_namespace=data["service_namespace"],
        receiver_secrets={k: _secret(secrets, k) for k in keys} if secrets is not None else {},
        nodes=nodes,
        releases=RELEASES,
    )


class ObservabilityStack(pulumi.ComponentResource):
    """Prometheus, Alertmanager, Grafana, Loki, Tempo and Alloy from their upstream charts
    on one cluster, with metrics, logs and traces linked in Grafana and a dashboard for the
    service. Pass the cluster's Kubernetes provider in the `providers` option."""

    namespace: pulumi.Output[str]
    """Where the stack runs: GoService's and AlertRules' `observabilityNamespace`."""
    otlp_endpoint: pulumi.Output[str]
    """Alloy's OTLP gRPC endpoint, the service's OTEL_EXPORTER_OTLP_ENDPOINT."""
    otlp_http_endpoint: pulumi.Output[str]
    """Alloy's OTLP HTTP endpoint."""
    grafana_admin_password: pulumi.Output[str]
    """Secret: the password of Grafana's admin user, generated once."""

    def __init__(
        self, name: str, args: ObservabilityStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        program_args = parse(name, args)  # before anything is registered
        super().__init__("gantry:index:ObservabilityStack", name, None, opts)
        stack = ProgramStack(name, program_args, pulumi.ResourceOptions(parent=self))
        self.namespace = pulumi.Output.from_input(stack.namespace)
        self.otlp_endpoint = pulumi.Output.from_input(stack.otlp_endpoint)
        self.otlp_http_endpoint = pulumi.Output.from_input(stack.otlp_http_endpoint)
        self.grafana_admin_password = stack.grafana_admin_password
        self.register_outputs(
            {
                "namespace": self.namespace,
                "otlp_endpoint": self.otlp_endpoint,
                "otlp_http_endpoint": self.otlp_http_endpoint,
                "grafana_admin_password": self.grafana_admin_password,
            }
        )
