"""Loki values (chart 18.11.0, Loki 3.7): one monolithic binary, TSDB schema v13.

small: one replica on a PVC (filesystem store), caches off.
ha: three replicas on the target's object storage (the cloud module's values
fragment sets `loki.storage`), replication factor 3, small memcached caches.
The gateway, canary, Helm test and ruler are off: Grafana and Alloy talk to
the `loki` Service directly, and alerting lives in Prometheus.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .budget import Workload, container_requests
from .merge import deep_merge, dig
from .plan import Plan
from .sizing import LOKI_CACHES, replicas, size

OBJECT_STORES = ("s3", "gcs", "azure")
SCHEMA_FROM = "2024-04-01"


def _cache(setting: tuple[int, str] | None, plan: Plan) -> dict[str, Any]:
    if setting is None:
        return {"enabled": False}
    memory, cpu = setting
    return {
        "enabled": True,
        "allocatedMemory": memory,
        "allocatedCPU": cpu,
        "replicas": 1,
        **plan.stand_in_placement.chart_values(),
    }


def loki_values(
    plan: Plan,
    storage_values: Mapping[str, Any] | None = None,
    service_account_annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Chart values for Loki.

    `storage_values` is the cloud's values fragment (ha only), deep-merged over
    ours; it must set `loki.storage.type` (s3, gcs or azure) and the buckets.
    `service_account_annotations` bind Loki's pods to the cloud identity that
    may read and write the bucket.
    """
    if not plan.object_storage:
        return loki_base_values(plan, "filesystem", service_account_annotations)
    store = dig(storage_values or {}, "loki", "storage", "type")
    if store not in OBJECT_STORES:
        msg = (
            "Loki on object storage needs the target's values fragment with loki.storage.type "
            f"one of {OBJECT_STORES}, got {store!r}"
        )
        raise ValueError(msg)
    base = loki_base_values(plan, str(store), service_account_annotations)
    return deep_merge(base, storage_values or {})


def loki_base_values(
    plan: Plan, store: str, service_account_annotations: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Our values for a given store type, before the cloud's fragment is merged."""
    cfg = plan.settings
    n = replicas("loki", plan.profile) if plan.object_storage else 1
    persistence: dict[str, Any] = {"enabled": cfg.storage.persistent, "size": cfg.storage.loki}
    if cfg.storage.storage_class:
        persistence["storageClass"] = cfg.storage.storage_class
    caches = LOKI_CACHES[plan.profile]
    return {
        # Service and service account named after the release whatever it is called:
        # the targets' storage identities trust `<namespace>/<release>`.
        "fullnameOverride": plan.releases.loki,
        "deploymentMode": "Monolithic",
        "loki": {
            "auth_enabled": False,
            "commonConfig": {"replication_factor": min(n, 3)},
            "storage": {"type": store},
            "schemaConfig": {
                "configs": [
                    {
                        "from": SCHEMA_FROM,
                        "store": "tsdb",
                        "object_store": store,
                        "schema": "v13",
                        "index": {"prefix": "index_", "period": "24h"},
                    }
                ]
            },
            "limits_config": {
                "allow_structured_metadata": True,
                "retention_period": cfg.retention.logs,
                "volume_enabled": True,
            },
            "compactor": {"retention_enabled": True, "delete_request_store": store},
        },
        "singleBinary": {
            "replicas": n,
            "resources": size("loki", plan.profile),
            "persistence": persistence,
            "podLabels": dict(plan.storage_pod_labels),
            # Loki is AGPL: where the cluster has no image of it, its pod is a stand-in.
            **plan.stand_in_placement.chart_values(),
        },
        "serviceAccount": {
            "create": True,
            "name": plan.releases.loki,
            "annotations": dict(service_account_annotations or {}),
        },
        "read": {"replicas": 0},
        "write": {"replicas": 0},
        "backend": {"replicas": 0},
        "ruler": {"enabled": False},
        "gateway": {"enabled": False},
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},
        "sidecar": {"rules": {"enabled": False}},
        "chunksCache": _cache(caches["chunksCache"], plan),
        "resultsCache": _cache(caches["resultsCache"], plan),
        "memcachedExporter": {"resources": size("memcached-exporter", plan.profile)},
        "monitoring": {
            "serviceMonitor": {
                "enabled": plan.scrape_stand_ins,
                "labels": dict(plan.endpoints.monitor_labels),
            }
        },
    }


def _memcached(name: str, cache: Mapping[str, Any]) -> Workload:
    """The chart requests round(allocatedMemory * 1.2) MiB and allocatedCPU per cache pod."""
    memory = (int(cache["allocatedMemory"]) * 12 + 5) // 10
    return container_requests(
        name,
        {"requests": {"cpu": cache["allocatedCPU"], "memory": f"{memory}Mi"}},
        int(cache.get("replicas", 1)),
    )


def loki_workloads(values: Mapping[str, Any]) -> list[Workload]:
    """The pods these values create."""
    single = values["singleBinary"]
    workloads = [container_requests("loki", single["resources"], single["replicas"])]
    for cache in ("chunksCache", "resultsCache"):
        if values[cache]["enabled"]:
            workloads.append(_memcached(f"loki-{cache}", values[cache]))
            workloads.append(
                container_requests(
                    f"loki-{cache}-exporter",
                    values["memcachedExporter"]["resources"],
                    int(values[cache].get("replicas", 1)),
                )
            )
    return workloads
