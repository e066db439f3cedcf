"""kube-prometheus-stack's Apache-licensed images, assembled here under the chart's own names.

No public registry is reachable, so each program the chart runs is built by
scripts/bootstrap.sh (group `observability`) from its pinned module and pushed
to the loopback registry under the repository path and tag the pinned chart
references. containerd resolves the chart's registries (quay.io,
registry.k8s.io) to the loopback registry through its hosts configuration
(`render.MIRRORED_REGISTRIES`), so the chart's image values stay upstream's.
Grafana, Loki, Tempo and Alloy have no image here: their pods are stand-ins
on kwok's simulated nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import images
from .images import NodeImage
from .settings import ClusterSettings, pinned_versions

VERSIONS_ENV = Path("toolchain", "versions.env")


@dataclass(frozen=True)
class ChartImage:
    """One image a chart references: its registry, and what to build it from."""

    registry: str
    """The registry the chart names (mirrored to the loopback one)."""
    image: NodeImage
    version_key: str
    """The toolchain/versions.env key whose value is the tag."""
    suffix: str = ""
    """What the chart appends to the version (`-distroless` for Prometheus and, through
    kube-prometheus-stack's `image.distroless: true`, node-exporter)."""


CHART_IMAGES = (
    ChartImage(
        "quay.io",
        NodeImage(
            "prometheus-operator/prometheus-operator", "prometheus-operator", "/bin/operator"
        ),
        "PROMETHEUS_OPERATOR_VERSION",
    ),
    ChartImage(
        "quay.io",
        NodeImage(
            "prometheus-operator/prometheus-config-reloader",
            "prometheus-config-reloader",
            "/bin/prometheus-config-reloader",
        ),
        "PROMETHEUS_OPERATOR_VERSION",
    ),
    ChartImage(
        "quay.io",
        NodeImage("prometheus/prometheus", "prometheus", "/bin/prometheus"),
        "PROMETHEUS_VERSION",
        "-distroless",
    ),
    ChartImage(
        "quay.io",
        NodeImage("prometheus/alertmanager", "alertmanager", "/bin/alertmanager"),
        "ALERTMANAGER_VERSION",
    ),
    ChartImage(
        "registry.k8s.io",
        NodeImage("kube-state-metrics/kube-state-metrics", "kube-state-metrics"),
        "KUBE_STATE_METRICS_VERSION",
    ),
    ChartImage(
        "quay.io",
        NodeImage("prometheus/node-exporter", "node_exporter", "/bin/node_exporter"),
        "NODE_EXPORTER_VERSION",
        "-distroless",
    ),
)


def _tag(chart_image: ChartImage, versions: dict[str, str]) -> str:
    """The tag the chart references: the pinned version and the chart's suffix."""
    return f"{versions[chart_image.version_key]}{chart_image.suffix}"


def references(root: Path) -> list[str]:
    """Every image as the chart names it: `registry/repository:tag`."""
    versions = pinned_versions(root / VERSIONS_ENV)
    return [f"{c.registry}/{c.image.repository}:{_tag(c, versions)}" for c in CHART_IMAGES]


def push_all(s: ClusterSettings) -> list[str]:
    """Push every chart image under the chart's repository and tag; returns `ref@digest`s.
    A program not built yet is one error naming the command that builds it."""
    missing = [c.image.binary for c in CHART_IMAGES if not (s.bin / c.image.binary).is_file()]
    if missing:
        msg = (
            f"not built: {', '.join(missing)} "
            "(scripts/bootstrap.sh observability builds them from their pinned modules)"
        )
        raise RuntimeError(msg)
    versions = pinned_versions(s.root / VERSIONS_ENV)
    base = images.base_image(s)
    pushed = []
    for chart_image in CHART_IMAGES:
        ref = images.push(s, chart_image.image, base=base)
        tag = _tag(chart_image, versions)
        images.crane(s, "tag", ref, tag)
        pushed.append(
            f"{chart_image.registry}/{chart_image.image.repository}:{tag}@{ref.split('@')[1]}"
        )
    return pushed
