"""A target's placement reaches the service's pods as it is, and the default adds nothing."""

from __future__ import annotations

from components.go_service.workload import ARM64_TOLERATION, pod_template
from components.placement import Placement
from components.targets.local import SIMULATED_PLACEMENT

from .conftest import service_spec


def test_the_default_placement_adds_no_field() -> None:
    spec = pod_template(service_spec())["spec"]
    assert "nodeSelector" not in spec
    assert spec["tolerations"] == [ARM64_TOLERATION]


def test_simulated_nodes_get_their_selector_and_toleration() -> None:
    spec = pod_template(service_spec(placement=SIMULATED_PLACEMENT))["spec"]
    assert spec["nodeSelector"] == {"type": "kwok"}
    assert spec["tolerations"] == [
        ARM64_TOLERATION,
        {"key": "kwok.x-k8s.io/node", "value": "fake", "effect": "NoSchedule", "operator": "Equal"},
    ]


def test_any_placement_is_passed_through() -> None:
    placement = Placement(
        node_selector={"pool": "a"}, tolerations=({"key": "k", "operator": "Exists"},)
    )
    spec = pod_template(service_spec(placement=placement))["spec"]
    assert spec["nodeSelector"] == {"pool": "a"}
    assert spec["tolerations"][1] == {"key": "k", "operator": "Exists"}
