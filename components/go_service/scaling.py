"""HorizontalPodAutoscaler (autoscaling/v2) and PodDisruptionBudget."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .labels import metadata, selector_labels
from .spec import ServiceSpec

REQUEST_RATE_METRIC = "http_requests_per_second"
"""A Pods metric served by prometheus-adapter (custom.metrics.k8s.io) from
`rate(http_requests_total[2m])`; without the adapter the HPA reports the metric
as unavailable and keeps scaling on CPU alone."""


def quantity(value: float) -> str:
    """A Kubernetes quantity for a rate: `50` for 50, `12500m` for 12.5."""
    exact = Decimal(str(value))
    if exact == exact.to_integral_value():
        return str(int(exact))
    return f"{int(exact * 1000)}m"


def hpa_metrics(spec: ServiceSpec) -> list[dict[str, Any]]:
    autoscaling = spec.service.autoscaling
    metrics: list[dict[str, Any]] = [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {
                    "type": "Utilization",
                    "averageUtilization": autoscaling.cpu_utilization,
                },
            },
        }
    ]
    if autoscaling.requests_per_second is not None:
        metrics.append(
            {
                "type": "Pods",
                "pods": {
                    "metric": {"name": REQUEST_RATE_METRIC},
                    "target": {
                        "type": "AverageValue",
                        "averageValue": quantity(autoscaling.requests_per_second),
                    },
                },
            }
        )
    return metrics


def horizontal_pod_autoscaler(spec: ServiceSpec) -> dict[str, Any] | None:
    """Scale on CPU (and request rate when configured) between min and max; None when fixed.

    Up fast (double or +4 pods every 15s, no stabilization) to absorb a
    spike; down slowly (a 5 min window by default, at most half every minute) so a
    brief dip does not throw away warm capacity.
    """
    if not spec.scales:
        return None
    replicas = spec.service.replicas
    window = spec.service.autoscaling.scale_down_window_seconds
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(spec, spec.name),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.name},
            "minReplicas": replicas.min,
            "maxReplicas": replicas.max,
            "metrics": hpa_metrics(spec),
            "behavior": {
                "scaleUp": {
                    "stabilizationWindowSeconds": 0,
                    "selectPolicy": "Max",
                    "policies": [
                        {"type": "Percent", "value": 100, "periodSeconds": 15},
                        {"type": "Pods", "value": 4, "periodSeconds": 15},
                    ],
                },
                "scaleDown": {
                    "stabilizationWindowSeconds": window,
                    "selectPolicy": "Max",
                    "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}],
                },
            },
        },
    }


def pod_disruption_budget(spec: ServiceSpec) -> dict[str, Any] | None:
    """At most one pod evicted at a time, when there can be more than one pod.

    `maxUnavailable: 1` rather than `minAvailable`: it follows the HPA's
    current scale, and it never blocks a node drain (with `minAvailable: N`
    and N replicas no eviction is ever allowed). `AlwaysAllow` lets a drain
    evict pods that are not Ready anyway (crash-looping) instead of waiting.
    """
    if spec.service.replicas.max <= 1:
        return None
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(spec, spec.name),
        "spec": {
            "maxUnavailable": 1,
            "selector": {"matchLabels": selector_labels(spec)},
            "unhealthyPodEvictionPolicy": "AlwaysAllow",
        },
    }
