"""Tempo values (chart 2.2.4, Tempo 2.10): the single-binary chart.

Tempo receives OTLP from Alloy only (Jaeger receivers off). Its metrics
generator writes service-graph and span metrics to Prometheus' remote-write
receiver, which Grafana's service map reads. ha keeps one replica (this chart
has no ring across replicas) but stores blocks in the target's bucket; the
WAL stays on a PVC in both profiles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .budget import Workload, container_requests
from .endpoints import OTLP_GRPC_PORT, OTLP_HTTP_PORT
from .merge import deep_merge, dig
from .plan import Plan, go_duration
from .security import container_security_context, pod_security_context
from .sizing import replicas, size

OBJECT_BACKENDS = ("s3", "gcs", "azure")


def tempo_values(
    plan: Plan,
    storage_values: Mapping[str, Any] | None = None,
    service_account_annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Chart values for Tempo.

    `storage_values` is the cloud's values fragment (ha only), deep-merged over
    ours; it must set `tempo.storage.trace.backend` (s3, gcs or azure) and its block.
    """
    base = tempo_base_values(plan, service_account_annotations)
    if not plan.object_storage:
        return base
    backend = dig(storage_values or {}, "tempo", "storage", "trace", "backend")
    if backend not in OBJECT_BACKENDS:
        msg = (
            "Tempo on object storage needs the target's values fragment with "
            f"tempo.storage.trace.backend one of {OBJECT_BACKENDS}, got {backend!r}"
        )
        raise ValueError(msg)
    values = deep_merge(base, storage_values or {})
    values["tempo"]["storage"]["trace"].pop("local", None)
    return values


def tempo_base_values(
    plan: Plan, service_account_annotations: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Our values, before the cloud's fragment is merged."""
    cfg = plan.settings
    persistence: dict[str, Any] = {"enabled": cfg.storage.persistent, "size": cfg.storage.tempo}
    if cfg.storage.storage_class:
        persistence["storageClassName"] = cfg.storage.storage_class
    generator = plan.tempo_metrics_generator
    return {
        "fullnameOverride": plan.releases.tempo,
        "replicas": replicas("tempo", plan.profile),
        "tempo": {
            "resources": size("tempo", plan.profile),
            "reportingEnabled": False,
            "retention": go_duration(cfg.retention.traces),
            "securityContext": container_security_context(),
            "receivers": {
                "otlp": {
                    "protocols": {
                        "grpc": {"endpoint": f"0.0.0.0:{OTLP_GRPC_PORT}"},
                        "http": {"endpoint": f"0.0.0.0:{OTLP_HTTP_PORT}"},
                    }
                }
            },
            "storage": {
                "trace": {
                    "backend": "local",
                    "local": {"path": "/var/tempo/traces"},
                    "wal": {"path": "/var/tempo/wal"},
                }
            },
            "metricsGenerator": {
                "enabled": generator,
                "remoteWriteUrl": f"{plan.prometheus_url}/api/v1/write",
            },
            "overrides": {
                "defaults": {
                    "metrics_generator": {
                        "processors": ["service-graphs", "span-metrics"] if generator else [],
                    }
                }
            },
        },
        "securityContext": pod_security_context(10001),
        # Tempo is AGPL: where the cluster has no image of it, its pod is a stand-in.
        **plan.stand_in_placement.chart_values(),
        "serviceAccount": {
            "create": True,
            "name": plan.releases.tempo,  # the name the targets' storage identities trust
            "annotations": dict(service_account_annotations or {}),
        },
        "persistence": persistence,
        "podLabels": dict(plan.storage_pod_labels),
        "serviceMonitor": {
            "enabled": plan.scrape_stand_ins,
            "additionalLabels": dict(plan.endpoints.monitor_labels),
        },
    }


def tempo_workloads(values: Mapping[str, Any]) -> list[Workload]:
    return [container_requests("tempo", values["tempo"]["resources"], int(values["replicas"]))]
