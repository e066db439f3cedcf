"""HPA (autoscaling/v2) and PDB."""

from __future__ import annotations

import pytest

from components.go_service import scaling

from .conftest import service_spec


def test_hpa_scales_on_cpu_between_the_bounds() -> None:
    hpa = scaling.horizontal_pod_autoscaler(
        service_spec({"replicas": {"min": 3, "max": 12}, "autoscaling": {"cpu_utilization": 65}})
    )
    assert hpa is not None
    assert hpa["apiVersion"] == "autoscaling/v2"
    body = hpa["spec"]
    assert body["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "hello",
    }
    assert (body["minReplicas"], body["maxReplicas"]) == (3, 12)
    assert body["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 65},
            },
        }
    ]
    assert body["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300
    assert body["behavior"]["scaleUp"]["stabilizationWindowSeconds"] == 0


def test_request_rate_metric_when_configured() -> None:
    hpa = scaling.horizontal_pod_autoscaler(
        service_spec({"autoscaling": {"requests_per_second": 12.5}})
    )
    assert hpa is not None
    pods = hpa["spec"]["metrics"][1]
    assert pods == {
        "type": "Pods",
        "pods": {
            "metric": {"name": "http_requests_per_second"},
            "target": {"type": "AverageValue", "averageValue": "12500m"},
        },
    }


@pytest.mark.parametrize(
    ("value", "expected"), [(50, "50"), (12.5, "12500m"), (0.1, "100m"), (100.0, "100")]
)
def test_rate_quantities(value: float, expected: str) -> None:
    assert scaling.quantity(value) == expected


def test_no_hpa_for_a_fixed_replica_count() -> None:
    assert (
        scaling.horizontal_pod_autoscaler(service_spec({"replicas": {"min": 2, "max": 2}})) is None
    )


def test_pdb_allows_one_eviction_at_a_time() -> None:
    pdb = scaling.pod_disruption_budget(service_spec({"replicas": {"min": 1, "max": 3}}))
    assert pdb is not None
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"] == {
        "maxUnavailable": 1,
        "selector": {
            "matchLabels": {
                "app.kubernetes.io/name": "hello",
                "app.kubernetes.io/instance": "hello",
            }
        },
        "unhealthyPodEvictionPolicy": "AlwaysAllow",
    }
    assert "minAvailable" not in pdb["spec"]


def test_no_pdb_when_there_is_only_ever_one_pod() -> None:
    assert scaling.pod_disruption_budget(service_spec({"replicas": {"min": 1, "max": 1}})) is None


def test_the_scale_down_window_is_the_configs() -> None:
    default = scaling.horizontal_pod_autoscaler(service_spec({"replicas": {"min": 1, "max": 3}}))
    short = scaling.horizontal_pod_autoscaler(
        service_spec(
            {"replicas": {"min": 1, "max": 3}, "autoscaling": {"scale_down_window_seconds": 15}}
        )
    )
    assert default is not None and short is not None
    assert default["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300
    assert short["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 15
    assert short["spec"]["behavior"]["scaleUp"] == default["spec"]["behavior"]["scaleUp"]
