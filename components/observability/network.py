"""NetworkPolicies of the stack's namespaces: default deny, then what the stack needs.

Inside the namespace the stack's components talk freely (Grafana to the
datasources, Alloy to Loki and Tempo, Prometheus to Alertmanager, Loki's and
Alertmanager's gossip). From outside, only the OTLP ports of Alloy and
Grafana's port are open. Egress leaves the namespace for DNS, for the API
server and object storage (TLS ports), and, for Prometheus alone, anywhere:
it scrapes every namespace and every node, and for Alertmanager alone,
anywhere too: its receivers are wherever the URLs in its (secret) config
point, on whatever port they name.
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


API_SERVER_PORTS = (443, 6443)
"""The API server's usual ports: 443 behind the `kubernetes` Service and on the managed
clouds' endpoints, 6443 on self-managed ones."""


def stack_policies(
    endpoints: ObservabilityEndpoints, node_namespace: str, api_server_port: int | None = None
) -> list[dict[str, Any]]:
    """The stack namespace's policies (default deny first). `api_server_port`: the API
    server's own port when it is another: a policy sees the endpoint's port, after the
    `kubernetes` Service's DNAT, so the operator and kube-state-metrics need it."""
    namespace = endpoints.namespace
    api_ports = sorted({*API_SERVER_PORTS, *([api_server_port] if api_server_port else [])})
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
                    # The API server and the object stores of the ha profile (TLS).
                    {"ports": _tcp(*api_ports)},
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
        _policy(
            "alertmanager-notifies-receivers",
            namespace,
            {
                "podSelector": {"matchLabels": {NAME_LABEL: "alertmanager"}},
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
