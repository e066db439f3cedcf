"""Every pinned upstream version gantry deploys, in one place.

Charts are referenced, never vendored: a stack may point a chart at a mirror
(`gantry:observability.charts`), and the version here is the default.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChartPin:
    """An upstream Helm chart: name, default repository and exact version."""

    chart: str
    repository: str
    version: str


CHARTS: dict[str, ChartPin] = {
    "kube-prometheus-stack": ChartPin(
        "kube-prometheus-stack", "https://prometheus-community.github.io/helm-charts", "88.5.3"
    ),
    "loki": ChartPin("loki", "https://grafana-community.github.io/helm-charts", "18.11.0"),
    "tempo": ChartPin("tempo", "https://grafana-community.github.io/helm-charts", "2.2.4"),
    "alloy": ChartPin("alloy", "https://grafana.github.io/helm-charts", "1.11.1"),
    # appVersion 0.13.1; its webhook makes its own TLS certificate (no Helm hook needed).
    "policy-controller": ChartPin(
        "policy-controller", "https://sigstore.github.io/helm-charts", "0.10.6"
    ),
}
