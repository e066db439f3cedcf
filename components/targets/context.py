"""What every target module needs besides its own config, with no cloud SDK in sight."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.observability.endpoints import Releases

from .base import ObjectStorage, WorkloadIdentity


@dataclass(frozen=True)
class TargetContext:
    """Stack-wide facts a target needs to build its registry and storage.

    `service` names the image repository (`<registry>/<service>`).
    `object_storage` is True in the `ha` observability profile: only then are
    buckets and identities for Loki and Tempo created. `loki_service_account`
    and `tempo_service_account` are the chart service accounts (in
    `observability_namespace`) that the storage identities trust; they are
    the charts' release names (default: `Releases`' defaults).
    `secrets` maps config keys to their secret Outputs (never plain values).
    """

    service: str = "hello"
    object_storage: bool = False
    observability_namespace: str = "observability"
    loki_service_account: str = Releases.loki
    tempo_service_account: str = Releases.tempo
    secrets: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)

    def secret(self, key: str) -> pulumi.Output[str]:
        """The secret Output for `key`; a clear error names the missing config key."""
        if key not in self.secrets:
            msg = f"config key '{key}' is not set; run `pulumi config set --secret {key} <value>`"
            raise KeyError(msg)
        return pulumi.Output.secret(self.secrets[key])

    def storage_handover(
        self,
        loki_values: pulumi.Input[Mapping[str, Any]],
        tempo_values: pulumi.Input[Mapping[str, Any]],
        workload_identity: WorkloadIdentity,
        pod_labels: Mapping[str, str] | None = None,
    ) -> ObjectStorage:
        """The ObjectStorage hand-over: chart values plus Loki's and Tempo's identities."""
        namespace = self.observability_namespace
        return ObjectStorage(
            loki_values=loki_values,
            tempo_values=tempo_values,
            loki_service_account_annotations=workload_identity(
                namespace, self.loki_service_account
            ),
            tempo_service_account_annotations=workload_identity(
                namespace, self.tempo_service_account
            ),
            pod_labels=dict(pod_labels or {}),
        )

    def service_account_subject(self, service_account: str) -> str:
        """The OIDC `sub` Kubernetes writes into a projected token for this account."""
        return f"system:serviceaccount:{self.observability_namespace}:{service_account}"
