"""The observability stack: sizes, retention, chart sources and alert routing."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import DnsLabel, Duration, Model, SecretKey
from .quantities import StorageQuantity

Severity = Literal["critical", "warning", "info"]
PAGED_AND_TICKETED: tuple[Severity, ...] = ("critical", "warning")
ChartName = Literal["kube-prometheus-stack", "loki", "tempo", "alloy"]


class ChartSource(Model):
    """Where to fetch one chart from: a mirror, an OCI registry or a local path."""

    repository: str = Field(min_length=1, description="https://..., oci://... or a local directory")
    version: str | None = Field(
        default=None, description="defaults to the pin in components/versions.py"
    )


class Retention(Model):
    """How long each signal is kept."""

    metrics: Duration = "15d"
    """Prometheus TSDB retention."""
    logs: Duration = "7d"
    """Loki retention."""
    traces: Duration = "72h"
    """Tempo block retention."""


class Storage(Model):
    """Persistent volume sizes (object storage holds the bulk in the ha profile)."""

    persistent: bool = True
    """false: emptyDir volumes, data lost with the pod (clusters with no volume provisioner)."""
    prometheus: StorageQuantity = "20Gi"
    """PVC size per Prometheus replica."""
    alertmanager: StorageQuantity = "1Gi"
    """PVC size per Alertmanager replica."""
    loki: StorageQuantity = "10Gi"
    """PVC size for Loki (filesystem in small, WAL/cache in ha)."""
    tempo: StorageQuantity = "10Gi"
    """PVC size for Tempo."""
    grafana: StorageQuantity = "1Gi"
    """PVC size for Grafana."""
    storage_class: str | None = None
    """StorageClass for every PVC; default the cluster's default class."""


class Receiver(Model):
    """One Alertmanager receiver; its URL or key comes from a secret config key."""

    name: DnsLabel
    """Receiver name in Alertmanager."""
    type: Literal["slack", "pagerduty", "webhook"]
    """Where notifications go."""
    secret: SecretKey = Field(description="config key holding the webhook URL or routing key")
    severities: list[Severity] = Field(
        default_factory=lambda: list(PAGED_AND_TICKETED), min_length=1
    )
    """Alert severities routed to this receiver."""
    channel: str | None = Field(default=None, description="Slack channel, e.g. #alerts")

    @model_validator(mode="after")
    def _channel_only_for_slack(self) -> Receiver:
        if self.channel is not None and self.type != "slack":
            msg = "channel applies to slack receivers only"
            raise ValueError(msg)
        return self


class ObservabilityConfig(Model):
    """Prometheus, Alertmanager, Grafana, Loki, Tempo and Alloy on every target."""

    enabled: bool = True
    """Install the stack on every target."""
    profile: Literal["small", "ha"] = "small"
    """small: single replicas on disks; ha: replicated, object storage."""
    namespace: DnsLabel = "observability"
    """Namespace of the stack."""
    retention: Retention = Field(default_factory=Retention)
    """How long each signal is kept."""
    storage: Storage = Field(default_factory=Storage)
    """Volume sizes."""
    charts: dict[ChartName, ChartSource] = Field(
        default_factory=dict,
        description="per-chart repository/version overrides (mirrors, air-gap)",
    )
    chart_mirror: str | None = Field(
        default=None,
        description=(
            "directory of unpacked charts named <chart>-<version>/ (air-gap); "
            "default: the upstream repositories, or $GANTRY_CHART_MIRROR when set"
        ),
    )
    receivers: list[Receiver] = Field(default_factory=list)
    """Alertmanager receivers; their secrets come from secret config keys."""
    grafana_host: str | None = Field(
        default=None, description="Ingress host for Grafana; none: port-forward"
    )

    @model_validator(mode="after")
    def _unique_receivers(self) -> ObservabilityConfig:
        names = [r.name for r in self.receivers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            msg = f"receiver names are not unique: {', '.join(dupes)}"
            raise ValueError(msg)
        return self
