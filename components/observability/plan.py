"""Everything the value builders need to know about one target, as plain data.

The component turns a ClusterTarget and its `ObservabilitySettings` into a
`Plan`; the value builders are pure functions of it, so that they are tested
without Pulumi and never see a cloud's name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from components.placement import Placement

from .endpoints import OTLP_GRPC_PORT, ObservabilityEndpoints, Releases, endpoints_for
from .settings import ObservabilitySettings, Profile

# Names of Kubernetes Secret objects, not secret values.
GRAFANA_ADMIN_SECRET = "grafana-admin"  # noqa: S105
ALERTMANAGER_CONFIG_SECRET = "alertmanager-gantry"  # noqa: S105

_UNIT_HOURS = {"h": 1, "d": 24, "w": 24 * 7, "y": 24 * 365}


def go_duration(duration: str) -> str:
    """A Prometheus-style duration ('14d', '72h', '1d12h') as a Go duration ('336h').

    Tempo parses retention with Go's time.ParseDuration, which has no days.
    """
    parts = re.findall(r"([0-9]+)(ms|s|m|h|d|w|y)", duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        msg = f"'{duration}' is not a Prometheus-style duration"
        raise ValueError(msg)
    hours = sum(int(n) * _UNIT_HOURS[u] for n, u in parts if u in _UNIT_HOURS)
    rest = "".join(n + u for n, u in parts if u not in _UNIT_HOURS)
    return (f"{hours}h" if hours else "") + rest


@dataclass(frozen=True)
class Plan:
    """One target's observability stack, decided before any resource exists.

    settings: the stack's settings (profile, retention, volumes, charts, receivers).
    cluster: the target's name; Prometheus' external label `cluster`.
    managed_control_plane: the cloud hides scheduler/controller-manager/etcd metrics.
    object_storage: Loki and Tempo keep data in the target's bucket (ha profile).
    storage_pod_labels: labels the cloud's identity webhook needs on Loki/Tempo pods.
    releases: the charts' release names, from which every Service name derives.
    placement: where the pods go whose images the cluster has.
    stand_in_placement: where Grafana's, Loki's, Tempo's and Alloy's pods go (kwok's
        simulated nodes on the local cluster, which has none of their images).
    api_server_port: the API server's own port where it is not 443 or 6443.
    host_network: False where several nodes share one host's network.
    host_mount_propagation: False where the nodes' root mount is private.
    kube_version: the version charts are rendered for when no cluster answers (render
        mode); None: the cluster's own.
    """

    settings: ObservabilitySettings
    cluster: str
    managed_control_plane: bool
    object_storage: bool
    storage_pod_labels: Mapping[str, str] = field(default_factory=dict)
    releases: Releases = field(default_factory=Releases)
    placement: Placement = field(default_factory=Placement)
    stand_in_placement: Placement = field(default_factory=Placement)
    api_server_port: int | None = None
    host_network: bool = True
    host_mount_propagation: bool = True
    kube_version: str | None = None

    @property
    def scrape_stand_ins(self) -> bool:
        """False where Grafana, Loki, Tempo and Alloy are stand-ins (pods on simulated nodes
        that run nothing): scraping them would only fire TargetDown."""
        return self.stand_in_placement == Placement()

    @property
    def profile(self) -> Profile:
        return self.settings.profile

    @property
    def ha(self) -> bool:
        return self.settings.profile == "ha"

    @property
    def namespace(self) -> str:
        return self.settings.namespace

    @property
    def node_exporter_namespace(self) -> str:
        """node-exporter needs host namespaces and hostPath: it gets a namespace of its own,
        so that the stack's namespace can enforce the restricted Pod Security Standard."""
        return f"{self.settings.namespace}-node"

    def service_url(self, service: str, port: int) -> str:
        return f"http://{service}.{self.namespace}.svc:{port}"

    @property
    def prometheus_url(self) -> str:
        return self.service_url(f"{self.releases.kps}-prometheus", 9090)

    @property
    def alertmanager_url(self) -> str:
        return self.service_url(f"{self.releases.kps}-alertmanager", 9093)

    @property
    def loki_url(self) -> str:
        return self.service_url(self.releases.loki, 3100)

    @property
    def tempo_url(self) -> str:
        return self.service_url(self.releases.tempo, 3200)

    @property
    def tempo_otlp_grpc(self) -> str:
        return f"{self.releases.tempo}.{self.namespace}.svc:{OTLP_GRPC_PORT}"

    @property
    def endpoints(self) -> ObservabilityEndpoints:
        """The contract other components get: OTLP endpoint, selector labels, Grafana."""
        return endpoints_for(self.namespace, self.releases)

    @property
    def tempo_metrics_generator(self) -> bool:
        """Service graph and span metrics for Grafana's service map; needs Prometheus'
        remote-write receiver. On in both profiles: the service map is part of the point."""
        return True
