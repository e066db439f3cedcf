"""The Go service's workload settings on Kubernetes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from components.quantities import mebibytes, millicores

from .base import DnsLabel, Model
from .quantities import CpuQuantity, MemoryQuantity


class Resources(Model):
    """Requests and limits. A CPU limit is optional on purpose: it causes throttling."""

    cpu_request: CpuQuantity = "100m"
    """CPU the scheduler reserves per pod."""
    memory_request: MemoryQuantity = "64Mi"
    """Memory the scheduler reserves per pod."""
    cpu_limit: CpuQuantity | None = None
    """CPU ceiling; default none, since a CPU limit throttles latency."""
    memory_limit: MemoryQuantity = "128Mi"
    """Memory ceiling; GOMEMLIMIT is derived from it."""

    @model_validator(mode="after")
    def _limits_cover_requests(self) -> Resources:
        if mebibytes(self.memory_limit) < mebibytes(self.memory_request):
            msg = f"memory_limit {self.memory_limit} is below memory_request {self.memory_request}"
            raise ValueError(msg)
        if self.cpu_limit is not None and millicores(self.cpu_limit) < millicores(self.cpu_request):
            msg = f"cpu_limit {self.cpu_limit} is below cpu_request {self.cpu_request}"
            raise ValueError(msg)
        return self


class Replicas(Model):
    """Horizontal scaling bounds; the HPA moves between them."""

    min: int = Field(default=1, ge=1)
    """Fewest pods (HPA floor)."""
    max: int = Field(default=3, ge=1, le=100)
    """Most pods (HPA ceiling); above 1 a PodDisruptionBudget is created."""

    @model_validator(mode="after")
    def _ordered(self) -> Replicas:
        if self.min > self.max:
            msg = f"min ({self.min}) is greater than max ({self.max})"
            raise ValueError(msg)
        return self


class Autoscaling(Model):
    """autoscaling/v2 targets: CPU always, request rate when the adapter is installed."""

    cpu_utilization: int = Field(default=70, ge=10, le=95)
    """Target average CPU utilization, percent of the request."""
    requests_per_second: float | None = Field(default=None, gt=0)
    """Target requests per second per pod; needs prometheus-adapter."""
    scale_down_window_seconds: int = Field(default=300, ge=0, le=3600)
    """How long the HPA waits before it removes pods it no longer needs (its scale-down
    stabilization window): a brief dip does not throw away warm capacity."""


class Ingress(Model):
    """Optional public entry: always TLS, host required."""

    enabled: bool = False
    """Create an Ingress with TLS."""
    host: str | None = Field(default=None, pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    """Public host name; required when enabled."""
    class_name: str = "nginx"
    """IngressClass of the controller."""
    cluster_issuer: str = "letsencrypt"
    """cert-manager ClusterIssuer that signs the certificate."""
    controller_namespace: str = "ingress-nginx"
    """Namespace of the ingress controller, allowed in by the NetworkPolicy."""

    @model_validator(mode="after")
    def _host_when_enabled(self) -> Ingress:
        if self.enabled and not self.host:
            msg = "host is required when the ingress is enabled"
            raise ValueError(msg)
        return self


class Shutdown(Model):
    """Graceful shutdown: readiness drops, endpoints drain, then in-flight requests finish."""

    drain_delay_seconds: int = Field(default=5, ge=0, le=120)
    """Seconds between readiness dropping and the server shutting down."""
    timeout_seconds: int = Field(default=20, ge=1, le=600)
    """Seconds in-flight requests get to finish after the drain."""


class ServiceConfig(Model):
    """The Go service as a Kubernetes workload."""

    name: DnsLabel = "hello"
    """Service name: Kubernetes Service, Prometheus job and image repository."""
    namespace: DnsLabel = "hello"
    """Namespace of the service (never default or kube-*)."""
    port: int = Field(default=8080, ge=1024, le=65535)
    """HTTP port of the API, probes and /metrics."""
    replicas: Replicas = Field(default_factory=Replicas)
    """Replica bounds."""
    resources: Resources = Field(default_factory=Resources)
    """Requests and limits."""
    autoscaling: Autoscaling = Field(default_factory=Autoscaling)
    """HPA targets."""
    ingress: Ingress = Field(default_factory=Ingress)
    """Optional public entry."""
    shutdown: Shutdown = Field(default_factory=Shutdown)
    """Graceful shutdown timing."""
    log_level: Literal["debug", "info", "warn", "error"] = "info"
    """LOG_LEVEL of the service."""
    trace_sample_ratio: float = Field(default=1.0, ge=0, le=1)
    """Share of traces sampled (parent-based)."""
    needs_kubernetes_api: bool = Field(
        default=False,
        description="mount a service-account token (off: the service never calls the API)",
    )
    zone_spread: Literal["preferred", "required"] = Field(
        default="preferred",
        description="spread across zones: required (DoNotSchedule) keeps a replica in every zone "
        "at the cost of Pending pods when a zone is full; preferred (ScheduleAnyway) never blocks",
    )

    @model_validator(mode="after")
    def _namespace_is_ours(self) -> ServiceConfig:
        if self.namespace == "default" or self.namespace.startswith("kube-"):
            msg = f"namespace '{self.namespace}' is reserved; use a namespace of the service's own"
            raise ValueError(msg)
        return self
