"""ObservabilityStack's own settings: profile, retention, volumes, chart sources, receivers.

Plain frozen data with the defaults of `gantry:observability`, which
gantry/config_adapter.py maps onto them; the value builders, the
Alertmanager config and the requests budget read these, never the stack config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["critical", "warning", "info"]
Profile = Literal["small", "ha"]


@dataclass(frozen=True)
class ChartSource:
    """Where to fetch one chart from instead of its pin's repository."""

    repository: str
    """https://..., oci://... or a local directory."""
    version: str | None = None
    """Chart version; default the pin's (components/versions.py)."""


@dataclass(frozen=True)
class Retention:
    """How long each signal is kept, as Prometheus-style durations."""

    metrics: str = "15d"
    """Prometheus TSDB retention (default 15d)."""
    logs: str = "7d"
    """Loki retention (default 7d)."""
    traces: str = "72h"
    """Tempo block retention (default 72h)."""


@dataclass(frozen=True)
class Storage:
    """Volumes; in the ha profile object storage holds the bulk."""

    persistent: bool = True
    """False: emptyDir volumes, data lost with the pod (default: PersistentVolumeClaims)."""
    prometheus: str = "20Gi"
    """PVC size per Prometheus replica (default 20Gi)."""
    alertmanager: str = "1Gi"
    """PVC size per Alertmanager replica (default 1Gi)."""
    loki: str = "10Gi"
    """PVC size for Loki (default 10Gi)."""
    tempo: str = "10Gi"
    """PVC size for Tempo (default 10Gi)."""
    grafana: str = "1Gi"
    """PVC size for Grafana (default 1Gi)."""
    storage_class: str | None = None
    """StorageClass of every PVC; default the cluster's default class."""


@dataclass(frozen=True)
class Receiver:
    """One Alertmanager receiver; its URL or key is the secret Output named by `secret`."""

    name: str
    """Receiver name in Alertmanager."""
    type: Literal["slack", "pagerduty", "webhook"]
    """Where notifications go."""
    secret: str
    """The secret config key holding the webhook URL or routing key (a name, not the value)."""
    severities: tuple[Severity, ...] = ("critical", "warning")
    """Alert severities routed here (default critical and warning)."""
    channel: str | None = None
    """Slack channel, e.g. #alerts; default the webhook's own."""


@dataclass(frozen=True)
class ObservabilitySettings:
    """What the stack on every target looks like."""

    profile: Profile = "small"
    """small (default): single replicas on disks; ha: replicated, object storage."""
    namespace: str = "observability"
    """Namespace of the stack (default observability)."""
    retention: Retention = field(default_factory=Retention)
    """How long each signal is kept (default `Retention()`)."""
    storage: Storage = field(default_factory=Storage)
    """Volumes (default `Storage()`)."""
    charts: Mapping[str, ChartSource] = field(default_factory=dict)
    """Per-chart source overrides by chart name (default none: the pins)."""
    chart_mirror: str | None = None
    """Directory of unpacked charts named <chart>-<version>/; default none (repositories)."""
    receivers: tuple[Receiver, ...] = ()
    """Alertmanager receivers (default none: alerts reach no one)."""
    grafana_host: str | None = None
    """Ingress host for Grafana; default none (port-forward)."""
