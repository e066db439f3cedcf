"""policy-controller chart values: restricted pods, fail closed, opt-in namespaces.

helm.v4.Chart runs no Helm hooks and leaves hook objects out. The chart needs
none to work: its `webhook-certs` Secret is created empty and the webhook
writes its own certificate into it and the CA bundle into its webhook
configurations at start-up. The only hook is a post-delete Job that deletes
leftover leader-election Leases; after `pulumi destroy` they expire or go
with the namespace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .policy import INCLUDE_LABEL

RUN_AS = 65532
"""The image's `nonroot` user (distroless), instead of the chart's default 1000."""


def pod_security_context() -> dict[str, Any]:
    """Pod level, as Pod Security `restricted` requires (the chart leaves it unset)."""
    return {
        "enabled": True,
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "fsGroup": RUN_AS,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> dict[str, Any]:
    """Container level (the chart calls it `podSecurityContext`)."""
    return {
        "enabled": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def webhook_pod_labels(release: str) -> dict[str, str]:
    """The labels the chart's webhook Deployment selects its pods by."""
    return {
        "app.kubernetes.io/name": "policy-controller",
        "app.kubernetes.io/instance": release,
        "control-plane": f"{release}-webhook",
    }


def policy_controller_values(
    *,
    replicas: int,
    service_account_annotations: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Values for the pinned chart.

    replicas: webhook pods (the webhook fails closed: with none up, no pod
        starts in an opted-in namespace).
    service_account_annotations: the target's workload identity for the
        webhook, which reads signatures from the registry (default none: the
        node's registry credentials).
    """
    if replicas < 1:
        msg = "policy-controller needs at least one webhook replica"
        raise ValueError(msg)
    return {
        "installCRDs": True,
        "webhook": {
            "replicaCount": replicas,
            "failurePolicy": "Fail",
            # An opted-in namespace runs nothing but the service: any image no policy
            # covers is refused rather than admitted unchecked.
            "configData": {"no-match-policy": "deny"},
            "namespaceSelector": {
                "matchExpressions": [{"key": INCLUDE_LABEL, "operator": "In", "values": ["true"]}]
            },
            "securityContext": pod_security_context(),
            "podSecurityContext": container_security_context(),
            # The chart's PodDisruptionBudget has no metadata.namespace (it would land in
            # `default`): the component creates its own (`webhook_pod_labels`).
            "podDisruptionBudget": {"enabled": False},
            "serviceAccount": {
                "create": True,
                "annotations": dict(service_account_annotations or {}),
            },
        },
    }
