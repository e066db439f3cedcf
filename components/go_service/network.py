"""The Service and the NetworkPolicies around the pods.

Policies are additive: one default-deny for the whole namespace (ingress and
egress), then one allow policy per direction for the service's pods. Peers
are selected by the immutable `kubernetes.io/metadata.name` namespace label,
which the API server sets on every namespace and nobody can forge.
"""

from __future__ import annotations

from typing import Any

from .labels import metadata, selector_labels
from .spec import ServiceSpec
from .workload import PORT_NAME

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}
"""CoreDNS/kube-dns carries this label on EKS, GKE, AKS and kind alike."""


def service(spec: ServiceSpec) -> dict[str, Any]:
    """ClusterIP only: outside traffic enters through the Ingress. Port named `http`."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(spec, spec.name),
        "spec": {
            "type": "ClusterIP",
            "selector": selector_labels(spec),
            "ports": [
                {
                    "name": PORT_NAME,
                    "port": spec.service.port,
                    "targetPort": PORT_NAME,
                    "protocol": "TCP",
                    "appProtocol": "http",
                }
            ],
        },
    }


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: name}}}


def default_deny(spec: ServiceSpec) -> dict[str, Any]:
    """Every pod in the namespace: nothing in, nothing out, unless another policy allows it."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(spec, "default-deny", component="network-policy"),
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }


def ingress_sources(spec: ServiceSpec) -> list[str]:
    """Namespaces allowed to reach the http port: the monitoring one, the ingress controller's."""
    sources = []
    if spec.observability is not None:
        sources.append(spec.observability.namespace)
    if spec.service.ingress.enabled:
        sources.append(spec.service.ingress.controller_namespace)
    return sources


def allow_ingress(spec: ServiceSpec) -> dict[str, Any] | None:
    """Prometheus scrapes and the ingress controller forwards on `http`; nothing else.

    Kubelet probes are not subject to NetworkPolicy, and `kubectl
    port-forward` enters through the kubelet too. None when no namespace may
    connect (the default-deny then stands alone).
    """
    sources = ingress_sources(spec)
    if not sources:
        return None
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(spec, f"{spec.name}-allow-ingress", component="network-policy"),
        "spec": {
            "podSelector": {"matchLabels": selector_labels(spec)},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [_namespace(source) for source in sources],
                    "ports": [{"protocol": "TCP", "port": PORT_NAME}],
                }
            ],
        },
    }


def allow_egress(spec: ServiceSpec) -> dict[str, Any]:
    """DNS to kube-dns (UDP and TCP 53) and OTLP to the collector's ports; nothing else."""
    rules: list[dict[str, Any]] = [
        {
            "to": [{**_namespace(DNS_NAMESPACE), "podSelector": {"matchLabels": DNS_POD_LABELS}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
    ]
    if (observability := spec.observability) is not None:
        rules.append(
            {
                "to": [
                    {
                        **_namespace(observability.namespace),
                        "podSelector": {"matchLabels": dict(observability.collector_pod_labels)},
                    }
                ],
                "ports": [{"protocol": "TCP", "port": port} for port in observability.otlp_ports],
            }
        )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(spec, f"{spec.name}-allow-egress", component="network-policy"),
        "spec": {
            "podSelector": {"matchLabels": selector_labels(spec)},
            "policyTypes": ["Egress"],
            "egress": rules,
        },
    }


def network_policies(spec: ServiceSpec) -> list[dict[str, Any]]:
    policies = [default_deny(spec), allow_ingress(spec), allow_egress(spec)]
    return [policy for policy in policies if policy is not None]
