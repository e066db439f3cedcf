"""The service's namespace (Pod Security admission: restricted) and its ServiceAccount."""

from __future__ import annotations

from typing import Any

from components.admission.policy import INCLUDE_LABEL

from .labels import standard_labels
from .spec import MIN_KUBERNETES_VERSION, ServiceSpec

POD_SECURITY_LEVEL = "restricted"
POD_SECURITY_VERSION = f"v{MIN_KUBERNETES_VERSION}"
"""The Pod Security Standards version the namespace is checked against.

Pinned (not `latest`) so that a cluster upgrade never starts rejecting pods
overnight: raising it is a reviewed change. v1.32 is the oldest Kubernetes
version gantry's manifests are validated against.
"""


def pod_security_labels() -> dict[str, str]:
    """enforce + audit + warn at `restricted`, each with its version pin."""
    labels = {}
    for mode in ("enforce", "audit", "warn"):
        labels[f"pod-security.kubernetes.io/{mode}"] = POD_SECURITY_LEVEL
        labels[f"pod-security.kubernetes.io/{mode}-version"] = POD_SECURITY_VERSION
    return labels


def namespace(spec: ServiceSpec) -> dict[str, Any]:
    """Restricted Pod Security; with signature verification, opted in to policy-controller."""
    labels = {**standard_labels(spec), **pod_security_labels()}
    if spec.signature_verification:
        labels[INCLUDE_LABEL] = "true"
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": spec.namespace, "labels": labels},
    }


def service_account_name(service_name: str) -> str:
    """The ServiceAccount is named after the service (cloud identities are bound to this name)."""
    return service_name


def service_account(spec: ServiceSpec) -> dict[str, Any]:
    """A dedicated identity; its API token is mounted only when the service needs the API."""
    metadata: dict[str, Any] = {
        "name": service_account_name(spec.name),
        "namespace": spec.namespace,
        "labels": standard_labels(spec),
    }
    if spec.service_account_annotations is not None:
        metadata["annotations"] = spec.service_account_annotations
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata,
        "automountServiceAccountToken": spec.service.needs_kubernetes_api,
    }
