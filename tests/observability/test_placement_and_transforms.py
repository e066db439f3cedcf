"""Where the stack's pods go on each kind of target, and the server-default transform."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pulumi
import pytest

from components.observability.endpoints import endpoints_for
from components.observability.network import stack_policies
from components.observability.plan import Plan
from components.observability.transforms import moved_from, server_defaults, without_empty_rules
from components.observability.values_alloy import alloy_values
from components.observability.values_kps import kps_values
from components.observability.values_loki import loki_values
from components.observability.values_tempo import tempo_values
from components.placement import Placement
from components.targets.local import REAL_PLACEMENT, SIMULATED_PLACEMENT

from .conftest import PlanFactory


def _local(make_plan: PlanFactory, placement: Placement) -> Plan:
    return make_plan(
        "small", managed=True, placement=placement, stand_in_placement=SIMULATED_PLACEMENT
    )


def _runnable(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The kube-prometheus-stack workloads whose images the local cluster builds."""
    return {
        "operator": values["prometheusOperator"],
        "prometheus": values["prometheus"]["prometheusSpec"],
        "alertmanager": values["alertmanager"]["alertmanagerSpec"],
        "kube-state-metrics": values["kube-state-metrics"],
    }


def _stand_ins(plan: Plan) -> dict[str, dict[str, Any]]:
    """The workloads whose images the local cluster cannot have (AGPL, or not served)."""
    loki = loki_values(plan)
    return {
        "grafana": kps_values(plan)["grafana"],
        "loki": loki["singleBinary"],
        "tempo": tempo_values(plan),
        "alloy": alloy_values(plan)["controller"],
    }


def test_on_the_real_node_the_apache_programs_run_and_the_agpl_ones_are_stand_ins(
    make_plan: PlanFactory,
) -> None:
    plan = _local(make_plan, REAL_PLACEMENT)
    for name, workload in _runnable(kps_values(plan)).items():
        assert workload["nodeSelector"] == {}, name
        assert workload["tolerations"] == [], f"{name} must not tolerate kwok's taint"
    for name, workload in _stand_ins(plan).items():
        assert workload["nodeSelector"] == {"type": "kwok"}, name
        assert workload["tolerations"] == [
            {
                "key": "kwok.x-k8s.io/node",
                "value": "fake",
                "effect": "NoSchedule",
                "operator": "Equal",
            }
        ], name


def test_node_exporter_keeps_tolerating_every_taint_but_avoids_simulated_nodes(
    make_plan: PlanFactory,
) -> None:
    exporter = kps_values(_local(make_plan, REAL_PLACEMENT))["prometheus-node-exporter"]
    assert {"effect": "NoSchedule", "operator": "Exists"} in exporter["tolerations"]
    (term,) = exporter["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]["nodeSelectorTerms"]
    assert term == {"matchExpressions": [{"key": "type", "operator": "NotIn", "values": ["kwok"]}]}


def test_with_simulated_nodes_everything_goes_to_kwok(make_plan: PlanFactory) -> None:
    plan = _local(make_plan, SIMULATED_PLACEMENT)
    exporter = kps_values(plan)["prometheus-node-exporter"]
    assert exporter["nodeSelector"] == {"type": "kwok"}
    assert "affinity" not in exporter
    for name, workload in {**_runnable(kps_values(plan)), **_stand_ins(plan)}.items():
        assert workload["nodeSelector"] == {"type": "kwok"}, name


def test_a_cloud_target_places_nothing(make_plan: PlanFactory) -> None:
    plan = make_plan("small")
    values = kps_values(plan)
    exporter = values["prometheus-node-exporter"]
    assert "affinity" not in exporter
    assert exporter["tolerations"] == [{"effect": "NoSchedule", "operator": "Exists"}]
    for name, workload in {**_runnable(values), **_stand_ins(plan)}.items():
        assert workload["nodeSelector"] == {}, name
        assert workload["tolerations"] == [], name


def test_placement_without_avoided_nodes_has_no_affinity() -> None:
    assert Placement().node_affinity() is None
    assert "affinity" not in Placement(node_selector={"a": "b"}).chart_values(affinity=True)
    assert "affinity" not in REAL_PLACEMENT.chart_values()


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        (
            {"metadata": {"name": "loki-clusterrole"}, "rules": []},
            {"metadata": {"name": "loki-clusterrole"}},
        ),
        ({"metadata": {}, "rules": [{"verbs": ["get"]}]}, None),
        ({"metadata": {}}, None),
    ],
)
def test_an_empty_rules_list_is_dropped_and_nothing_else(
    props: dict[str, Any], expected: dict[str, Any] | None
) -> None:
    assert without_empty_rules(props) == expected


def _transform(type_: str, props: dict[str, Any]) -> pulumi.ResourceTransformResult | None:
    args = pulumi.ResourceTransformArgs(
        custom=True,
        type_=type_,
        name="x",
        props=props,
        opts=pulumi.ResourceOptions(),
    )
    return server_defaults(args)


def test_the_transform_touches_roles_only() -> None:
    role = _transform("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", {"rules": []})
    assert role is not None
    assert role.props == {}
    namespaced = _transform("kubernetes:rbac.authorization.k8s.io/v1:Role", {"rules": []})
    assert namespaced is not None
    assert namespaced.props == {}
    assert _transform("kubernetes:core/v1:ConfigMap", {"rules": []}) is None


def test_the_api_servers_own_port_joins_the_usual_ones() -> None:
    endpoints = endpoints_for("observability")
    (internal,) = [
        p for p in stack_policies(endpoints, "observability-node", 39711)
        if p["metadata"]["name"] == "stack-internal"
    ]  # fmt: skip
    tls = internal["spec"]["egress"][2]["ports"]
    assert [p["port"] for p in tls] == [443, 6443, 39711]
    (usual,) = [
        p for p in stack_policies(endpoints, "observability-node")
        if p["metadata"]["name"] == "stack-internal"
    ]  # fmt: skip
    assert [p["port"] for p in usual["spec"]["egress"][2]["ports"]] == [443, 6443]


def test_moved_children_keep_their_old_urn_as_an_alias() -> None:
    transform = moved_from(
        "obs-kps",
        "urn:pulumi:s::p::gantry:observability:ObservabilityStack$kubernetes:helm.sh/v4:Chart::obs-kps",
    )
    args = pulumi.ResourceTransformArgs(
        custom=True,
        type_="kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
        name="obs-kps-crds:prometheuses.monitoring.coreos.com",
        props={"metadata": {"name": "prometheuses.monitoring.coreos.com"}},
        opts=pulumi.ResourceOptions(),
    )
    result = transform(args)
    assert result is not None
    assert result.props == args.props
    (alias,) = result.opts.aliases or []
    assert isinstance(alias, pulumi.Alias)
    assert alias.name == "obs-kps:prometheuses.monitoring.coreos.com"
    assert str(alias.parent).endswith("Chart::obs-kps")


def test_the_operator_makes_kubelet_targets_of_real_nodes_only(make_plan: PlanFactory) -> None:
    real = kps_values(_local(make_plan, REAL_PLACEMENT))["prometheusOperator"]
    assert real["kubeletService"]["selector"] == "type!=kwok"
    cloud = kps_values(make_plan("small"))["prometheusOperator"]
    assert cloud["kubeletService"]["selector"] == "", "the chart's default: every node"


def test_node_exporter_leaves_the_host_network_where_nodes_share_it(
    make_plan: PlanFactory,
) -> None:
    shared = replace(make_plan("small"), host_network=False, host_mount_propagation=False)
    exporter = kps_values(shared)["prometheus-node-exporter"]
    assert exporter["hostNetwork"] is False
    assert exporter["hostRootFsMount"] == {"enabled": True, "mountPropagation": ""}
    own = kps_values(make_plan("small"))["prometheus-node-exporter"]
    assert "hostNetwork" not in own, "the chart's host network stays"
    assert "hostRootFsMount" not in own, "the chart's HostToContainer default stays"
