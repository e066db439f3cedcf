"""NetworkPolicies of the stack's namespaces: default deny, then what the stack needs.

Inside the namespace the stack's components talk freely (Grafana to the
datasources, Alloy to Loki and Tempo, Prometheus to Alertmanager, Loki's and
Alertmanager's gossip). From outside, only the OTLP ports of Alloy and
Grafana's port are open. Egress leaves the namespace for DNS, for the API
server and object storage (TLS ports), and, for Prometheus alone, anywhere:
it scrapes every namespace and every node.
"""

from __future__ import annotations

from typing import Any

from .endpoints import NAME_LABEL, ObservabilityEndpoints

DNS = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}
GRAFANA_PORT = 3000
NODE_EXPORTER_PORT = 9100


def _policy(name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": p} for p in ports]


def stack_policies(endpoints: ObservabilityEndpoints, node_namespace: str) -> list[dict[str, Any]]:
    """The stack namespace's policies (default deny first)."""
    namespace = endpoints.namespace
    same_namespace: list[dict[str, Any]] = [{"podSelector": {}}]
    return [
        _policy(
            "default-deny", namespace, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        ),
        _policy(
            "stack-internal",
            namespace,
            {
                "podSelector": {},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": same_namespace}],
                "egress": [
                    {"to": same_namespace},
                    {"to": [DNS], "ports": [{"protocol": "UDP", "port": 53}, *_tcp(53)]},
                    # API server (443 behind the kubernetes Service, 6443 on some endpoints)
                    # and the object stores of the ha profile.
                    {"ports": _tcp(443, 6443)},
                ],
            },
        ),
        _policy(
            "otlp-from-cluster",
            namespace,
            {
                "podSelector": {"matchLabels": dict(endpoints.collector_pod_labels)},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [{"namespaceSelector": {}}],
                        "ports": _tcp(*endpoints.otlp_ports),
                    }
                ],
            },
        ),
        _policy(
            "grafana-from-cluster",
            namespace,
            {
                "podSelector": {"matchLabels": {NAME_LABEL: "grafana"}},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"namespaceSelector": {}}], "ports": _tcp(GRAFANA_PORT)}],
            },
        ),
        _policy(
            "prometheus-scrapes-everywhere",
            namespace,
            {
                "podSelector": {"matchLabels": {NAME_LABEL: "prometheus"}},
                "policyTypes": ["Egress"],
                "egress": [{}],
            },
        ),
        *node_exporter_policies(namespace, node_namespace),
    ]


def node_exporter_policies(namespace: str, node_namespace: str) -> list[dict[str, Any]]:
    """node-exporter's namespace: only Prometheus reaches it, and it reaches nothing."""
    from_prometheus = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
        "podSelector": {"matchLabels": {NAME_LABEL: "prometheus"}},
    }
    return [
        _policy(
            "default-deny",
            node_namespace,
            {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        ),
        _policy(
            "scrape-from-prometheus",
            node_namespace,
            {
                "podSelector": {},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [from_prometheus], "ports": _tcp(NODE_EXPORTER_PORT)}],
            },
        ),
    ]
