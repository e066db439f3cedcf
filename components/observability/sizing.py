"""Requests and limits per workload and profile, in one table.

Every container gets CPU and memory requests and a memory limit (policy K14);
CPU limits are left out on purpose (throttling). The small profile sums to
well under 2 vCPU / 4 GiB on a three-node cluster (see budget.py).
"""

from __future__ import annotations

from typing import Any

from .settings import Profile


def resources(cpu: str, memory: str, memory_limit: str) -> dict[str, Any]:
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory_limit}}


_SIZES: dict[str, dict[Profile, tuple[str, str, str]]] = {
    # workload: {profile: (cpu request, memory request, memory limit)}
    "prometheus": {"small": ("300m", "1Gi", "1536Mi"), "ha": ("1", "4Gi", "6Gi")},
    "config-reloader": {"small": ("10m", "25Mi", "50Mi"), "ha": ("10m", "25Mi", "50Mi")},
    "alertmanager": {"small": ("20m", "64Mi", "128Mi"), "ha": ("50m", "128Mi", "256Mi")},
    "prometheus-operator": {"small": ("50m", "128Mi", "256Mi"), "ha": ("100m", "256Mi", "512Mi")},
    "kube-state-metrics": {"small": ("20m", "64Mi", "192Mi"), "ha": ("50m", "192Mi", "512Mi")},
    "node-exporter": {"small": ("20m", "32Mi", "64Mi"), "ha": ("50m", "48Mi", "96Mi")},
    "grafana": {"small": ("100m", "256Mi", "512Mi"), "ha": ("250m", "512Mi", "1Gi")},
    "grafana-sidecar": {"small": ("10m", "64Mi", "128Mi"), "ha": ("20m", "96Mi", "192Mi")},
    "loki": {"small": ("200m", "512Mi", "1Gi"), "ha": ("500m", "1536Mi", "3Gi")},
    "memcached-exporter": {"small": ("10m", "16Mi", "32Mi"), "ha": ("10m", "16Mi", "32Mi")},
    "tempo": {"small": ("100m", "512Mi", "1Gi"), "ha": ("500m", "2Gi", "4Gi")},
    "alloy": {"small": ("100m", "256Mi", "512Mi"), "ha": ("250m", "512Mi", "1Gi")},
    "alloy-config-reloader": {"small": ("10m", "32Mi", "64Mi"), "ha": ("10m", "32Mi", "64Mi")},
}

LOKI_CACHES: dict[Profile, dict[str, tuple[int, str] | None]] = {
    # Loki's memcached caches: (allocatedMemory MiB, allocatedCPU) or None for off.
    # The chart requests round(allocatedMemory * 1.2) MiB; its default chunks cache
    # alone would request ~9.8 GiB, far beyond the small budget.
    "small": {"chunksCache": None, "resultsCache": None},
    "ha": {"chunksCache": (1024, "250m"), "resultsCache": (256, "100m")},
}

REPLICAS: dict[str, dict[Profile, int]] = {
    "prometheus": {"small": 1, "ha": 2},
    "alertmanager": {"small": 1, "ha": 3},
    "prometheus-operator": {"small": 1, "ha": 1},
    "kube-state-metrics": {"small": 1, "ha": 1},
    "grafana": {"small": 1, "ha": 1},
    "loki": {"small": 1, "ha": 3},
    "tempo": {"small": 1, "ha": 1},
    "alloy": {"small": 1, "ha": 2},
}


def size(workload: str, profile: Profile) -> dict[str, Any]:
    """The `resources:` block of one workload in one profile."""
    return resources(*_SIZES[workload][profile])


def replicas(workload: str, profile: Profile) -> int:
    return REPLICAS[workload][profile]
