"""The ServiceMonitor that makes kube-prometheus-stack's Prometheus scrape the service."""

from __future__ import annotations

from typing import Any

from .labels import selector_labels, standard_labels
from .spec import ServiceSpec
from .workload import PORT_NAME

SCRAPE_INTERVAL = "30s"
SCRAPE_TIMEOUT = "10s"

SCRAPE_PROTOCOLS = ["PrometheusProto", "OpenMetricsText1.0.0", "PrometheusText0.0.4"]
"""Protobuf first: it is the format that carries native histograms (with
exemplars); the text formats are the fallback."""


def service_monitor(spec: ServiceSpec) -> dict[str, Any] | None:
    """Scrape `/metrics` on the `http` port; None when the observability stack is off.

    The stack's `monitor_labels` are what Prometheus' serviceMonitorSelector matches. The
    `job` label is the Service's name (no jobLabel), as the SLO rules expect.
    `honorLabels: false` keeps the target's labels authoritative, and
    `scrapeClassicHistograms` keeps the classic buckets beside the native
    histogram, for dashboards and rules written against `_bucket`.
    """
    if spec.observability is None:
        return None
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {
            "name": spec.name,
            "namespace": spec.namespace,
            "labels": {**standard_labels(spec), **spec.observability.monitor_labels},
        },
        "spec": {
            "selector": {"matchLabels": selector_labels(spec)},
            "namespaceSelector": {"matchNames": [spec.namespace]},
            "scrapeProtocols": SCRAPE_PROTOCOLS,
            "scrapeClassicHistograms": True,
            "endpoints": [
                {
                    "port": PORT_NAME,
                    "path": "/metrics",
                    "scheme": "http",
                    "interval": SCRAPE_INTERVAL,
                    "scrapeTimeout": SCRAPE_TIMEOUT,
                    "honorLabels": False,
                }
            ],
        },
    }
