"""`gantry:index:GoService`: the program's GoService, for projects that use the package.

No `from __future__ import annotations` here: the SDK's schema inference reads
these annotations as live types (a string annotation stops the provider at
start with `'str' object has no attribute '__mro__'`, pulumi 3.272.0).
"""

from enum import StrEnum
from typing import Any, Required, TypedDict

import pulumi

from components.go_service.component import GoService as ProgramGoService
from components.go_service.component import GoServiceArgs as ProgramGoServiceArgs
from components.go_service.spec import ServiceSpec, validate_image_reference
from components.observability.endpoints import endpoints_for
from gantry.config.image import ImageConfig
from gantry.config.observability import ObservabilityConfig
from gantry.config.service import ServiceConfig
from gantry.config_adapter import RELEASES, service_settings

from .inputs import PackageInputError, missing, plain_data, validated
from .placement import Toleration, placement


class LogLevel(StrEnum):
    """LOG_LEVEL of the service."""

    DEBUG = "debug"
    """Everything, including each request's details."""
    INFO = "info"
    """Requests and lifecycle events (the default)."""
    WARN = "warn"
    """Only what needs attention."""
    ERROR = "error"
    """Only failures."""


class ZoneSpread(StrEnum):
    """How the pods spread across zones."""

    PREFERRED = "preferred"
    """ScheduleAnyway: never leaves a pod Pending (the default)."""
    REQUIRED = "required"
    """DoNotSchedule: a replica in every zone, at the cost of Pending pods when one is full."""


class Replicas(TypedDict, total=False):
    """The HPA's bounds; above one replica a PodDisruptionBudget is created."""

    min: int
    """Fewest pods, at least 1 (default 1)."""
    max: int
    """Most pods, 1 to 100 and not below min (default 3)."""


class Resources(TypedDict, total=False):
    """Requests and limits of the service's container, as Kubernetes quantities."""

    cpu_request: str
    """CPU the scheduler reserves per pod, e.g. 250m (default 100m)."""
    memory_request: str
    """Memory the scheduler reserves per pod, e.g. 128Mi (default 64Mi)."""
    cpu_limit: str
    """CPU ceiling, not below the request; default none, since a CPU limit throttles latency."""
    memory_limit: str
    """Memory ceiling, not below the request (default 128Mi); GOMEMLIMIT is derived from it."""


class Autoscaling(TypedDict, total=False):
    """autoscaling/v2 targets."""

    cpu_utilization: int
    """Target average CPU utilization, 10 to 95 percent of the request (default 70)."""
    requests_per_second: float
    """Target requests per second per pod, above 0; default none (needs prometheus-adapter)."""
    scale_down_window_seconds: int
    """Seconds the HPA waits before removing pods it no longer needs, 0 to 3600 (default 300)."""


class Ingress(TypedDict, total=False):
    """The optional public entry, always TLS."""

    enabled: bool
    """Create an Ingress (default false)."""
    host: str
    """Public host name; required when enabled (default none)."""
    class_name: str
    """IngressClass of the controller (default nginx)."""
    cluster_issuer: str
    """cert-manager ClusterIssuer that signs the certificate (default letsencrypt)."""
    controller_namespace: str
    """The controller's namespace, allowed in by the NetworkPolicy (default ingress-nginx)."""


class Shutdown(TypedDict, total=False):
    """Graceful shutdown: readiness drops, endpoints drain, in-flight requests finish."""

    drain_delay_seconds: int
    """Seconds between readiness dropping and the server shutting down, 0 to 120 (default 5)."""
    timeout_seconds: int
    """Seconds in-flight requests get after the drain, 1 to 600 (default 20)."""


class ServiceSettings(TypedDict, total=False):
    """The Go service as a Kubernetes workload; every field has the program's default."""

    name: str
    """Service name: Kubernetes Service, Prometheus job (a DNS label; default hello)."""
    namespace: str
    """Namespace of the service, never default or kube-* (default hello)."""
    port: int
    """HTTP port of the API, probes and /metrics, 1024 to 65535 (default 8080)."""
    replicas: Replicas
    """Replica bounds (default 1 to 3)."""
    resources: Resources
    """Requests and limits (default 100m/64Mi requested, 128Mi limit)."""
    autoscaling: Autoscaling
    """HPA targets (default 70 % CPU)."""
    ingress: Ingress
    """Public entry (default none)."""
    shutdown: Shutdown
    """Graceful shutdown timing (default 5 s drain, 20 s timeout)."""
    log_level: LogLevel
    """LOG_LEVEL of the service (default info)."""
    trace_sample_ratio: float
    """Share of traces sampled, parent-based, 0 to 1 (default 1)."""
    needs_kubernetes_api: bool
    """Mount a service-account token (default false: the service never calls the API)."""
    zone_spread: ZoneSpread
    """Spread across zones: required or preferred (default preferred)."""


class GoServiceArgs(TypedDict, total=False):
    """The inputs of one GoService."""

    image: Required[pulumi.Input[str]]
    """The image by digest, `registry/repo[:tag]@sha256:<64 hex>` (GoImage's `refs[<target>]`
    or any pinned reference); a tag alone is refused."""
    app_version: Required[str]
    """The service's semantic version, e.g. 1.4.0 (OTel `service.version`)."""
    environment: Required[str]
    """The environment's name, e.g. the stack's (OTel `deployment.environment.name`)."""
    service: ServiceSettings
    """The workload settings (default: every field's default)."""
    observability_namespace: str
    """Namespace of an ObservabilityStack on the same cluster: the service gets a
    ServiceMonitor, exports traces to its collector and lets its Prometheus in. Default none:
    no ServiceMonitor, no OTLP export. Add `dependsOn` the stack, whose chart installs the
    ServiceMonitor CRD."""
    zones: list[str]
    """The cluster's zones, when known (default none); with `zoneSpread: required` they set
    the spread's minDomains."""
    service_account_annotations: pulumi.Input[dict[str, str]]
    """Annotations binding the service account to a cloud identity (default none: no cloud
    access)."""
    pod_labels: dict[str, str]
    """Extra pod labels a cloud identity webhook needs (default none)."""
    signature_verification: bool
    """Label the namespace so that policy-controller admits only signed images (default
    false; needs policy-controller on the cluster)."""
    node_selector: dict[str, str]
    """Labels a node must carry to run the pods, e.g. a node pool's (default none: any node)."""
    tolerations: list[Toleration]
    """Taints the pods tolerate besides arm64's (default none)."""


def parse(name: str, args: GoServiceArgs) -> ProgramGoServiceArgs:
    """The program's GoService args from the package's inputs; every problem at once."""
    data: dict[str, Any] = plain_data(args)
    problems = missing(data, ("image", "app_version", "environment"))
    service, found = validated(ServiceConfig, data.get("service", {}), "service")
    problems += found
    if "app_version" in data:  # the program's version rule: `gantry:image.version`
        problems += validated(ImageConfig, {"version": data["app_version"]}, rename=APP_VERSION)[1]
    namespace = data.get("observability_namespace")
    if namespace is not None:
        problems += validated(ObservabilityConfig, {"namespace": namespace}, rename=STACK_NS)[1]
    place, found = placement(data.get("node_selector"), data.get("tolerations", []))
    problems += found
    image = data.get("image")
    if isinstance(image, str):
        try:
            validate_image_reference(image)
        except ValueError as error:
            problems.append(("image", str(error)))
    if problems or service is None:
        raise PackageInputError("GoService", name, problems)
    try:
        spec = ServiceSpec(
            service=service_settings(service),
            image=args["image"],
            app_version=data["app_version"],
            environment=data["environment"],
            observability=endpoints_for(namespace, RELEASES) if namespace else None,
            zones=tuple(data.get("zones", ())),
            service_account_annotations=args.get("service_account_annotations"),
            pod_labels=dict(data.get("pod_labels", {})),
            signature_verification=bool(data.get("signature_verification", False)),
            placement=place,
        )
    except ValueError as error:  # rules across fields, e.g. the two namespaces
        raise PackageInputError("GoService", name, [("", str(error))]) from error
    return ProgramGoServiceArgs(spec=spec)


APP_VERSION = {"version": "app_version"}
STACK_NS = {"namespace": "observability_namespace"}


class GoService(pulumi.ComponentResource):
    """The Go service on one cluster, under the `restricted` Pod Security Standard:
    namespace, service account, default-deny NetworkPolicies, Service, PriorityClass,
    Deployment by digest, HPA, PodDisruptionBudget, ServiceMonitor and Ingress as configured.
    Pass the cluster's Kubernetes provider in the `providers` option."""

    namespace: pulumi.Output[str]
    """The service's namespace."""
    service_name: pulumi.Output[str]
    """The Kubernetes Service's name (also the Prometheus job)."""
    cluster_url: pulumi.Output[str]
    """The in-cluster http URL of the service."""
    public_url: pulumi.Output[str] | None
    """The Ingress' https URL; absent without an Ingress."""

    def __init__(
        self, name: str, args: GoServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        program_args = parse(name, args)  # before anything is registered
        super().__init__("gantry:index:GoService", name, None, opts)
        service = ProgramGoService(name, program_args, pulumi.ResourceOptions(parent=self))
        self.namespace = service.namespace
        self.service_name = service.service_name
        self.cluster_url = service.cluster_url
        self.public_url = service.public_url
        self.register_outputs(
            {
                "namespace": self.namespace,
                "service_name": self.service_name,
                "cluster_url": self.cluster_url,
                "public_url": self.public_url,
            }
        )
