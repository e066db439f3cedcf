"""The Deployment: restricted pod, probes, graceful shutdown, safe rollouts, spread.

Shutdown, in order (the whole of it fits in terminationGracePeriodSeconds):
1. The pod is marked terminating; the endpoints controller drops it from the
   Service's ready endpoints while the kubelet runs the `preStop` sleep
   (`drain_delay_seconds`), so kube-proxy and ingress controllers stop
   sending new requests while the process still serves.
2. SIGTERM: the service fails readiness and shuts its servers down within
   `SHUTDOWN_TIMEOUT`. Its own `SHUTDOWN_DRAIN_DELAY` is set to 0s because
   the kubelet has already waited; keeping both would drain twice.
3. `GRACE_MARGIN_SECONDS` more for flushing traces before SIGKILL.
"""

from __future__ import annotations

from typing import Any

from components.quantities import mebibytes

from .labels import selector_labels, standard_labels
from .namespace import service_account_name
from .spec import ServiceSpec

UID = 65532
"""The distroless `nonroot` user and group the image runs as."""

PORT_NAME = "http"
GRACE_MARGIN_SECONDS = 5
GOMEMLIMIT_PERCENT = 90

ZONE_KEY = "topology.kubernetes.io/zone"
HOST_KEY = "kubernetes.io/hostname"


def gomemlimit(memory_limit: str) -> str:
    """GOMEMLIMIT at 90% of the container's memory limit, in MiB (`115MiB` for `128Mi`).

    Computed rather than taken from `resourceFieldRef: limits.memory`: the
    downward API gives the full limit as a bare number (bytes, or units of the
    divisor without a suffix), so the Go runtime would only start collecting
    hard at the very point the kernel OOM-kills it. The 10% headroom covers
    memory the Go runtime does not manage (thread stacks in C, page cache
    charged to the cgroup). Both numbers come from the same config value, so
    they cannot drift apart.
    """
    return f"{mebibytes(memory_limit) * GOMEMLIMIT_PERCENT // 100}MiB"


def termination_grace_seconds(spec: ServiceSpec) -> int:
    """preStop drain + in-flight shutdown + margin (see the module docstring)."""
    shutdown = spec.service.shutdown
    return shutdown.drain_delay_seconds + shutdown.timeout_seconds + GRACE_MARGIN_SECONDS


def _field_env(name: str, path: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}}


def resource_attributes(spec: ServiceSpec) -> str:
    """OTEL_RESOURCE_ATTRIBUTES; `$(VAR)` refers to the downward-API variables defined before it."""
    attributes = [
        f"service.version={spec.app_version}",
        f"deployment.environment.name={spec.environment}",
        f"k8s.deployment.name={spec.name}",
        "k8s.namespace.name=$(POD_NAMESPACE)",
        "k8s.pod.name=$(POD_NAME)",
        "k8s.node.name=$(NODE_NAME)",
    ]
    return ",".join(attributes)


def container_env(spec: ServiceSpec) -> list[dict[str, Any]]:
    """The service's environment contract (app/internal/config); no secret is passed."""
    service = spec.service
    env: list[dict[str, Any]] = [
        _field_env("POD_NAME", "metadata.name"),
        _field_env("POD_NAMESPACE", "metadata.namespace"),
        _field_env("NODE_NAME", "spec.nodeName"),
        {"name": "HTTP_ADDR", "value": f":{service.port}"},
        {"name": "LOG_LEVEL", "value": service.log_level},
        {"name": "SHUTDOWN_DRAIN_DELAY", "value": "0s"},
        {"name": "SHUTDOWN_TIMEOUT", "value": f"{service.shutdown.timeout_seconds}s"},
        {"name": "PPROF_ENABLED", "value": "false"},
        {"name": "GOMEMLIMIT", "value": gomemlimit(service.resources.memory_limit)},
        {"name": "OTEL_SERVICE_NAME", "value": spec.name},
        {"name": "OTEL_RESOURCE_ATTRIBUTES", "value": resource_attributes(spec)},
    ]
    if spec.observability is not None:
        env += [
            {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": spec.observability.otlp_endpoint},
            {"name": "OTEL_EXPORTER_OTLP_PROTOCOL", "value": "grpc"},
            {"name": "OTEL_TRACES_SAMPLER", "value": "parentbased_traceidratio"},
            {"name": "OTEL_TRACES_SAMPLER_ARG", "value": f"{service.trace_sample_ratio:g}"},
        ]
    else:
        # No collector to send to: the SDK stays off, trace context is still propagated.
        env.append({"name": "OTEL_SDK_DISABLED", "value": "true"})
    return env


def _http_probe(path: str, period: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": PORT_NAME, "scheme": "HTTP"},
        "periodSeconds": period,
        "timeoutSeconds": 2,
        "failureThreshold": failures,
        "successThreshold": 1,
    }


def probes(spec: ServiceSpec) -> dict[str, dict[str, Any]]:
    """Startup gives the process up to 60s; then liveness restarts a wedged process
    (30s of failures) and readiness takes a draining or overloaded pod out within 10s."""
    del spec  # the endpoints are fixed by the service's contract
    return {
        "startupProbe": _http_probe("/healthz", period=2, failures=30),
        "livenessProbe": _http_probe("/healthz", period=10, failures=3),
        "readinessProbe": _http_probe("/readyz", period=5, failures=2),
    }


EPHEMERAL_STORAGE_REQUEST = "64Mi"
EPHEMERAL_STORAGE_LIMIT = "256Mi"
"""The service writes no file (read-only root, no volume): its node disk use is its log
files, which the kubelet rotates at 5 x 10Mi. The limit evicts a runaway, not the service."""


def resources(spec: ServiceSpec) -> dict[str, Any]:
    """Requests and the memory limit always; a CPU limit only when configured (throttling)."""
    config = spec.service.resources
    limits = {"memory": config.memory_limit, "ephemeral-storage": EPHEMERAL_STORAGE_LIMIT}
    if config.cpu_limit is not None:
        limits["cpu"] = config.cpu_limit
    return {
        "requests": {
            "cpu": config.cpu_request,
            "memory": config.memory_request,
            "ephemeral-storage": EPHEMERAL_STORAGE_REQUEST,
        },
        "limits": limits,
    }


PRIORITY_VALUE = 100_000
"""Above every pod without a class (0) and batch work, far below system-* (2e9)."""


def priority_class_name(spec: ServiceSpec) -> str:
    """Cluster-scoped, so named after the namespace too: two services never share one."""
    return f"{spec.namespace}-{spec.name}"


def priority_class(spec: ServiceSpec) -> dict[str, Any]:
    """The service's PriorityClass: under node pressure its pods preempt unclassed ones."""
    return {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": priority_class_name(spec), "labels": standard_labels(spec)},
        "value": PRIORITY_VALUE,
        "globalDefault": False,
        "preemptionPolicy": "PreemptLowerPriority",
        "description": f"{spec.name}: a serving workload, scheduled before batch work",
    }


def container_security_context() -> dict[str, Any]:
    """Pod Security `restricted`, stated on the container so no default can weaken it."""
    return {
        "runAsNonRoot": True,
        "runAsUser": UID,
        "runAsGroup": UID,
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security_context() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": UID,
        "runAsGroup": UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def topology_spread(spec: ServiceSpec) -> list[dict[str, Any]]:
    """Spread across zones (required or preferred per config) and across nodes (preferred).

    `matchLabelKeys: [pod-template-hash]` counts only pods of the same
    ReplicaSet, so a rollout spreads the new pods instead of balancing against
    the old ones about to go. With `required` and known zones, `minDomains`
    makes the scheduler fill that many zones before it stacks a second pod
    in any of them.
    """
    selector = {"matchLabels": selector_labels(spec)}
    required = spec.zone_spread == "required"
    zone: dict[str, Any] = {
        "maxSkew": 1,
        "topologyKey": ZONE_KEY,
        "whenUnsatisfiable": "DoNotSchedule" if required else "ScheduleAnyway",
        "labelSelector": selector,
        "matchLabelKeys": ["pod-template-hash"],
    }
    if required and len(spec.zones) > 1:
        zone["minDomains"] = min(len(spec.zones), spec.service.replicas.min)
    host = {
        "maxSkew": 1,
        "topologyKey": HOST_KEY,
        "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": selector,
        "matchLabelKeys": ["pod-template-hash"],
    }
    return [zone, host]


def container(spec: ServiceSpec) -> dict[str, Any]:
    drain = spec.service.shutdown.drain_delay_seconds
    body: dict[str, Any] = {
        "name": spec.name,
        "image": spec.image,
        # The reference is a digest: the content can never differ, so pulling again buys nothing.
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": PORT_NAME, "containerPort": spec.service.port, "protocol": "TCP"}],
        "env": container_env(spec),
        "resources": resources(spec),
        **probes(spec),
        "securityContext": container_security_context(),
        "terminationMessagePolicy": "FallbackToLogsOnError",
    }
    if drain > 0:
        # The sleep action runs in the kubelet: the image has no shell and needs none.
        body["lifecycle"] = {"preStop": {"sleep": {"seconds": drain}}}
    return body


ARM64_TOLERATION = {
    "key": "kubernetes.io/arch",
    "operator": "Equal",
    "value": "arm64",
    "effect": "NoSchedule",
}
"""Some clouds taint arm64 nodes (GKE's t2a pools) so that single-arch images stay off
them; the service's index carries both architectures, so it may run there."""


def pod_template(spec: ServiceSpec) -> dict[str, Any]:
    return {
        "metadata": {
            "labels": {**standard_labels(spec), **spec.pod_labels},
            "annotations": {"kubectl.kubernetes.io/default-container": spec.name},
        },
        "spec": {
            "serviceAccountName": service_account_name(spec.name),
            "automountServiceAccountToken": spec.service.needs_kubernetes_api,
            # Service links add one env var per Service in the namespace: noise, and a leak.
            "enableServiceLinks": False,
            "securityContext": pod_security_context(),
            "terminationGracePeriodSeconds": termination_grace_seconds(spec),
            "priorityClassName": priority_class_name(spec),
            "topologySpreadConstraints": topology_spread(spec),
            "tolerations": [ARM64_TOLERATION, *map(dict, spec.placement.tolerations)],
            **spec.placement.pod_spec_fields(),
            # The root filesystem is read-only and the service writes no file, so no /tmp volume.
            "containers": [container(spec)],
        },
    }


def deployment(spec: ServiceSpec) -> dict[str, Any]:
    """The workload. `replicas` starts at the minimum; the HPA owns it afterwards."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": spec.name,
            "namespace": spec.namespace,
            "labels": standard_labels(spec),
        },
        "spec": {
            "replicas": spec.service.replicas.min,
            "revisionHistoryLimit": 5,
            "minReadySeconds": 5,
            "progressDeadlineSeconds": 300,
            "selector": {"matchLabels": selector_labels(spec)},
            "strategy": {
                "type": "RollingUpdate",
                # Never below the current capacity: a new pod must be Ready before an old one goes.
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"},
            },
            "template": pod_template(spec),
        },
    }
