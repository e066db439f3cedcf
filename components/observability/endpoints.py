"""What the observability stack promises the components that use it, written once.

The Helm release names decide the Services, the pods' labels, the service
accounts and the labels Prometheus selects by. They are chosen here, and
everything other components need (the OTLP endpoint, the ServiceMonitor and
PrometheusRule selector labels, Alloy's pod labels, Grafana's Service) is
derived here and handed over as one `ObservabilityEndpoints` value: renaming a
release changes both sides of every seam at once.

Pure: no Pulumi, so the manifest renderer computes the same value offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

NAME_LABEL = "app.kubernetes.io/name"
"""The chart-set pod label other namespaces' NetworkPolicies select Alloy by."""

OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318


@dataclass(frozen=True)
class Releases:
    """Helm release names of the stack's charts (defaults: kps, loki, tempo, alloy).

    Each release is also the chart's full name (`fullnameOverride`, or the
    chart's own rule for Loki), so it names the Services and service accounts.
    kube-prometheus-stack's Prometheus selects ServiceMonitors and
    PrometheusRules labelled `release: <kps>`.
    """

    kps: str = "kps"
    loki: str = "loki"
    tempo: str = "tempo"
    alloy: str = "alloy"


COLLECTOR_CHART = "alloy"
"""The Alloy chart's name: its pods carry `app.kubernetes.io/name: <chart name>`
whatever the release is called (the chart's `alloy.name` helper)."""


@dataclass(frozen=True)
class ObservabilityEndpoints:
    """The stack's contract with GoService and AlertRules on one target.

    namespace: where the stack runs (Prometheus, Alloy, Loki, Tempo, Grafana).
    otlp_endpoint / otlp_http_endpoint: Alloy's OTLP receivers, fully qualified.
    otlp_ports: the ports behind them; the only ones a service may send telemetry to.
    monitor_labels: labels a ServiceMonitor needs for Prometheus to pick it up.
    rule_labels: labels a PrometheusRule needs for Prometheus to load it.
    collector_pod_labels: labels of Alloy's pods (for NetworkPolicy peers).
    grafana_service: Grafana's Service name, port 80.
    """

    namespace: str
    otlp_endpoint: str
    otlp_http_endpoint: str
    monitor_labels: Mapping[str, str]
    rule_labels: Mapping[str, str]
    collector_pod_labels: Mapping[str, str]
    grafana_service: str
    otlp_ports: tuple[int, ...] = (OTLP_GRPC_PORT, OTLP_HTTP_PORT)
    releases: Releases = field(default_factory=Releases)


def endpoints_for(namespace: str, releases: Releases | None = None) -> ObservabilityEndpoints:
    """The contract of a stack installed in `namespace` under `releases`."""
    releases = releases or Releases()
    collector = f"{releases.alloy}.{namespace}.svc.cluster.local"
    selector = {"release": releases.kps}
    return ObservabilityEndpoints(
        namespace=namespace,
        otlp_endpoint=f"http://{collector}:{OTLP_GRPC_PORT}",
        otlp_http_endpoint=f"http://{collector}:{OTLP_HTTP_PORT}",
        monitor_labels=selector,
        rule_labels=dict(selector),
        collector_pod_labels={NAME_LABEL: COLLECTOR_CHART},
        grafana_service=f"{releases.kps}-grafana",
        releases=releases,
    )
