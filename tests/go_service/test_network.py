"""Service and NetworkPolicies: default deny, then exactly the flows the service needs."""

from __future__ import annotations

from typing import Any

from components.go_service import network
from components.observability.endpoints import endpoints_for

from .conftest import service_spec

SELECTOR = {"app.kubernetes.io/name": "hello", "app.kubernetes.io/instance": "hello"}


def _ns(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def test_service_is_cluster_ip_with_a_named_port() -> None:
    svc = network.service(service_spec({"port": 8080}))
    assert svc["metadata"]["name"] == "hello"
    assert svc["metadata"]["namespace"] == "hello"
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["selector"] == SELECTOR
    assert svc["spec"]["ports"] == [
        {
            "name": "http",
            "port": 8080,
            "targetPort": "http",
            "protocol": "TCP",
            "appProtocol": "http",
        }
    ]


def test_default_deny_covers_every_pod_both_ways() -> None:
    deny = network.default_deny(service_spec())
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert deny["metadata"]["namespace"] == "hello"


def test_ingress_from_monitoring_and_ingress_controller_on_http() -> None:
    spec = service_spec(
        {
            "ingress": {
                "enabled": True,
                "host": "hello.example.com",
                "controller_namespace": "ingress",
            }
        }
    )
    allow = network.allow_ingress(spec)
    assert allow is not None
    assert allow["spec"]["podSelector"] == {"matchLabels": SELECTOR}
    assert allow["spec"]["policyTypes"] == ["Ingress"]
    assert allow["spec"]["ingress"] == [
        {
            "from": [_ns("observability"), _ns("ingress")],
            "ports": [{"protocol": "TCP", "port": "http"}],
        }
    ]


def test_no_ingress_controller_peer_without_an_ingress() -> None:
    allow = network.allow_ingress(service_spec())
    assert allow is not None
    assert allow["spec"]["ingress"][0]["from"] == [_ns("observability")]


def test_nothing_may_connect_without_monitoring_or_ingress() -> None:
    spec = service_spec(observability=None)
    assert network.allow_ingress(spec) is None
    kinds = [p["metadata"]["name"] for p in network.network_policies(spec)]
    assert kinds == ["default-deny", "hello-allow-egress"]


def test_egress_only_to_dns_and_the_collector() -> None:
    egress = network.allow_egress(service_spec(observability=endpoints_for("obs")))
    assert egress["spec"]["policyTypes"] == ["Egress"]
    dns, otlp = egress["spec"]["egress"]
    assert dns["to"] == [
        {**_ns("kube-system"), "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
    ]
    assert dns["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    assert otlp["to"] == [
        {**_ns("obs"), "podSelector": {"matchLabels": {"app.kubernetes.io/name": "alloy"}}}
    ]
    assert otlp["ports"] == [{"protocol": "TCP", "port": 4317}, {"protocol": "TCP", "port": 4318}]
    for rule in egress["spec"]["egress"]:
        assert "ipBlock" not in str(rule)  # no CIDR escape hatch


def test_egress_without_collector_is_dns_only() -> None:
    egress = network.allow_egress(service_spec(observability=None))
    assert len(egress["spec"]["egress"]) == 1
    assert egress["spec"]["egress"][0]["ports"][0]["port"] == 53
