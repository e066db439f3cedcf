"""What the manifest builders need to know, as one immutable value.

`ServiceSettings` is the service as a workload (ports, replicas, resources,
shutdown, ...), GoService's own args: gantry/config_adapter.py fills it
from `gantry:service`, and its defaults are that key's defaults.
The builders are pure: the same `ServiceSpec` always gives the same objects.
Two fields may hold Pulumi Outputs when the component builds the spec (the
image reference from the build, the identity annotations from the cloud); the
builders only place them, never inspect them, so rendering without an engine
passes plain strings instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pulumi

from components.observability.endpoints import ObservabilityEndpoints
from components.placement import Placement

MIN_KUBERNETES_VERSION = "1.32"
"""The oldest Kubernetes the manifests target: every field used is GA or on by
default there (preStop sleep action, matchLabelKeys, unhealthyPodEvictionPolicy).
Targets that do not pin a version (GKE release channels, existing clusters) are
validated against it."""

_IMAGE_REFERENCE = re.compile(
    r"^(?P<repository>[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)+)"
    r"(:(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"@(?P<digest>sha256:[a-f0-9]{64})$"
)


def validate_image_reference(reference: str) -> str:
    """Return `reference` when it pins a digest (`repo[:tag]@sha256:<64 hex>`), else raise.

    A tag alone can be moved to other content after review; a digest cannot, so
    every target runs exactly the bytes that were built, scanned and signed.
    """
    if _IMAGE_REFERENCE.match(reference) is None:
        msg = (
            f"image '{reference}' is not pinned by digest; "
            "use the build's reference, e.g. registry/repo@sha256:<64 hex digits>"
        )
        raise ValueError(msg)
    return reference


@dataclass(frozen=True)
class ServiceResources:
    """Requests and limits of the service's container, as Kubernetes quantities."""

    cpu_request: str = "100m"
    """CPU the scheduler reserves per pod (default 100m)."""
    memory_request: str = "64Mi"
    """Memory the scheduler reserves per pod (default 64Mi)."""
    cpu_limit: str | None = None
    """CPU ceiling; default none, since a CPU limit throttles latency."""
    memory_limit: str = "128Mi"
    """Memory ceiling (default 128Mi); GOMEMLIMIT is derived from it."""


@dataclass(frozen=True)
class ServiceReplicas:
    """The HPA's bounds; above one replica a PodDisruptionBudget is created."""

    min: int = 1
    """Fewest pods (default 1)."""
    max: int = 3
    """Most pods (default 3)."""


@dataclass(frozen=True)
class ServiceAutoscaling:
    """autoscaling/v2 targets."""

    cpu_utilization: int = 70
    """Target average CPU utilization, percent of the request (default 70)."""
    requests_per_second: float | None = None
    """Target requests per second per pod; default none (needs prometheus-adapter)."""
    scale_down_window_seconds: int = 300
    """Scale-down stabilization window (default 300 s)."""


@dataclass(frozen=True)
class ServiceIngress:
    """The optional public entry, always TLS."""

    enabled: bool = False
    """Create an Ingress (default no)."""
    host: str | None = None
    """Public host name; default none, required when enabled."""
    class_name: str = "nginx"
    """IngressClass of the controller (default nginx)."""
    cluster_issuer: str = "letsencrypt"
    """cert-manager ClusterIssuer that signs the certificate (default letsencrypt)."""
    controller_namespace: str = "ingress-nginx"
    """The controller's namespace, allowed in by the NetworkPolicy (default ingress-nginx)."""


@dataclass(frozen=True)
class ServiceShutdown:
    """Graceful shutdown: readiness drops, endpoints drain, in-flight requests finish."""

    drain_delay_seconds: int = 5
    """Seconds between readiness dropping and the server shutting down (default 5)."""
    timeout_seconds: int = 20
    """Seconds in-flight requests get after the drain (default 20)."""


@dataclass(frozen=True)
class ServiceSettings:
    """The Go service as a Kubernetes workload, the same on every target."""

    name: str = "hello"
    """Service name: Kubernetes Service, Prometheus job, image repository (default hello)."""
    namespace: str = "hello"
    """Namespace of the service (default hello; never default or kube-*)."""
    port: int = 8080
    """HTTP port of the API, probes and /metrics (default 8080)."""
    replicas: ServiceReplicas = field(default_factory=ServiceReplicas)
    """Replica bounds (default 1 to 3)."""
    resources: ServiceResources = field(default_factory=ServiceResources)
    """Requests and limits (default `ServiceResources()`)."""
    autoscaling: ServiceAutoscaling = field(default_factory=ServiceAutoscaling)
    """HPA targets (default 70 % CPU)."""
    ingress: ServiceIngress = field(default_factory=ServiceIngress)
    """Public entry (default none)."""
    shutdown: ServiceShutdown = field(default_factory=ServiceShutdown)
    """Graceful shutdown timing (default 5 s drain, 20 s timeout)."""
    log_level: Literal["debug", "info", "warn", "error"] = "info"
    """LOG_LEVEL of the service (default info)."""
    trace_sample_ratio: float = 1.0
    """Share of traces sampled, parent-based (default 1.0)."""
    needs_kubernetes_api: bool = False
    """Mount a service-account token (default no: the service never calls the API)."""
    zone_spread: Literal["preferred", "required"] = "preferred"
    """Zone spread: required (DoNotSchedule) or preferred (ScheduleAnyway, the default)."""


@dataclass(frozen=True)
class ServiceSpec:
    """Everything the manifests of one service on one target depend on.

    Required: `service` (the workload settings, profile defaults merged),
    `image` (reference with digest), `app_version`, `environment` (the stack
    name, reported as `deployment.environment.name`).
    """

    service: ServiceSettings
    image: pulumi.Input[str]
    app_version: str
    environment: str
    observability: ObservabilityEndpoints | None = None
    """The stack's contract (OTLP endpoint, ServiceMonitor labels, Alloy's pods);
    None (default; the local profile): no ServiceMonitor, no OTLP export."""
    zones: tuple[str, ...] = ()
    """The target's zones when known (default none); with `zone_spread: required` they set
    minDomains."""
    service_account_annotations: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    """Cloud workload-identity binding for the service account (default none: no cloud access)."""
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    """Extra pod labels the identity webhook needs (AKS: azure.workload.identity/use); default
    none."""
    signature_verification: bool = False
    """True: the namespace opts in to policy-controller, which admits only signed images
    (default False)."""
    placement: Placement = field(default_factory=Placement)
    """The target's node selector and tolerations for the pods (default none: anywhere)."""

    def __post_init__(self) -> None:
        if isinstance(self.image, str):
            validate_image_reference(self.image)
        if self.observability and self.observability.namespace == self.service.namespace:
            msg = "the service must not share the observability namespace: policies collide"
            raise ValueError(msg)

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def namespace(self) -> str:
        return self.service.namespace

    @property
    def scales(self) -> bool:
        """True when the HPA can move the replica count (min < max)."""
        return self.service.replicas.max > self.service.replicas.min

    @property
    def zone_spread(self) -> Literal["preferred", "required"]:
        return self.service.zone_spread
