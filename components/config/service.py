"""The Go service's workload settings on Kubernetes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import DnsLabel, Model
from .quantities import CpuQuantity, MemoryQuantity, mebibytes, millicores


class Resources(Model):
    """Requests and limits. A CPU limit is optional on purpose: it causes throttling."""

    cpu_request: CpuQuantity = "100m"
    memory_request: MemoryQuantity = "64Mi"
    cpu_limit: CpuQuantity | None = None
    memory_limit: MemoryQuantity = "128Mi"

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
    max: int = Field(default=3, ge=1, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Replicas:
        if self.min > self.max:
            msg = f"min ({self.min}) is greater than max ({self.max})"
            raise ValueError(msg)
        return self


class Autoscaling(Model):
    """autoscaling/v2 targets: CPU always, request rate when the adapter is installed."""

    cpu_utilization: int = Field(default=70, ge=10, le=95)
    requests_per_second: float | None = Field(default=None, gt=0)


class Ingress(Model):
    """Optional public entry: always TLS, host required."""

    enabled: bool = False
    host: str | None = Field(default=None, pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    class_name: str = "nginx"
    cluster_issuer: str = "letsencrypt"
    controller_namespace: str = "ingress-nginx"

    @model_validator(mode="after")
    def _host_when_enabled(self) -> Ingress:
        if self.enabled and not self.host:
            msg = "host is required when the ingress is enabled"
            raise ValueError(msg)
        return self


class Shutdown(Model):
    """Graceful shutdown: readiness drops, endpoints drain, then in-flight requests finish."""

    drain_delay_seconds: int = Field(default=5, ge=0, le=120)
    timeout_seconds: int = Field(default=20, ge=1, le=600)


class ServiceConfig(Model):
    """The Go service as a Kubernetes workload."""

    name: DnsLabel = "hello"
    namespace: DnsLabel = "hello"
    port: int = Field(default=8080, ge=1024, le=65535)
    replicas: Replicas = Field(default_factory=Replicas)
    resources: Resources = Field(default_factory=Resources)
    autoscaling: Autoscaling = Field(default_factory=Autoscaling)
    ingress: Ingress = Field(default_factory=Ingress)
    shutdown: Shutdown = Field(default_factory=Shutdown)
    log_level: Literal["debug", "info", "warn", "error"] = "info"
    trace_sample_ratio: float = Field(default=1.0, ge=0, le=1)
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
