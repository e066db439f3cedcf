"""Loki and Tempo chart values for each object store, as pure functions.

Keys follow the pinned charts (components/versions.py): the Loki chart's
`loki.storage.{type,bucketNames,s3|gcs|azure}` and the Tempo chart's
`tempo.storage.trace.{backend,s3|gcs|azure}` (Tempo's own config keys, snake_case).
Credentials never appear here: every store is reached through the pod's
workload identity.
"""

from __future__ import annotations

from typing import Any


def _loki(store: str, bucket: str, extra: dict[str, Any]) -> dict[str, Any]:
    # One bucket for chunks, ruler and admin: gantry's ruler evaluates in
    # Prometheus and admin is an enterprise feature, so they stay empty.
    return {
        "loki": {
            "storage": {
                "type": store,
                "bucketNames": {"chunks": bucket, "ruler": bucket, "admin": bucket},
                store: extra,
            }
        }
    }


def _tempo(backend: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {"tempo": {"storage": {"trace": {"backend": backend, backend: extra}}}}


def loki_s3(bucket: str, region: str) -> dict[str, Any]:
    """S3 through IRSA: the AWS SDK picks up the projected web-identity token."""
    return _loki("s3", bucket, {"region": region, "s3ForcePathStyle": False, "insecure": False})


def tempo_s3(bucket: str, region: str) -> dict[str, Any]:
    return _tempo(
        "s3", {"bucket": bucket, "endpoint": f"s3.{region}.amazonaws.com", "region": region}
    )


def loki_gcs(bucket: str) -> dict[str, Any]:
    """GCS through GKE Workload Identity (Application Default Credentials in the pod)."""
    return _loki("gcs", bucket, {"chunkBufferSize": 0, "requestTimeout": "0s", "enableHttp2": True})


def tempo_gcs(bucket: str) -> dict[str, Any]:
    return _tempo("gcs", {"bucket_name": bucket})


def loki_azure(account: str, container: str) -> dict[str, Any]:
    """Blob storage through Entra workload identity (federated token, no account key)."""
    return _loki("azure", container, {"accountName": account, "useFederatedToken": True})


def tempo_azure(account: str, container: str) -> dict[str, Any]:
    return _tempo(
        "azure",
        {"container_name": container, "storage_account_name": account, "use_federated_token": True},
    )
