"""The Deployment: restricted pod, env contract, probes, shutdown, rollout and spread."""

from __future__ import annotations

from typing import Any

import pytest

from components.go_service import workload
from components.go_service.spec import ServiceSpec
from components.observability.endpoints import endpoints_for

from .conftest import IMAGE, service_spec


def _pod(spec: ServiceSpec) -> dict[str, Any]:
    return workload.deployment(spec)["spec"]["template"]["spec"]


def _container(spec: ServiceSpec) -> dict[str, Any]:
    containers = _pod(spec)["containers"]
    assert len(containers) == 1
    return containers[0]


def _env(spec: ServiceSpec) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in _container(spec)["env"]}


@pytest.mark.parametrize(
    ("limit", "expected"),
    [("128Mi", "115MiB"), ("256Mi", "230MiB"), ("1Gi", "921MiB"), ("512M", "439MiB")],
)
def test_gomemlimit_is_ninety_percent_of_the_limit(limit: str, expected: str) -> None:
    assert workload.gomemlimit(limit) == expected


def test_gomemlimit_env_follows_the_configured_limit() -> None:
    spec = service_spec({"resources": {"memory_request": "300Mi", "memory_limit": "400Mi"}})
    assert _env(spec)["GOMEMLIMIT"] == "360MiB"
    assert _container(spec)["resources"]["limits"]["memory"] == "400Mi"


def test_env_is_the_service_contract() -> None:
    spec = service_spec(
        {
            "port": 9090,
            "log_level": "warn",
            "shutdown": {"drain_delay_seconds": 7, "timeout_seconds": 25},
        }
    )
    env = _env(spec)
    assert env["HTTP_ADDR"] == ":9090"
    assert env["LOG_LEVEL"] == "warn"
    assert env["SHUTDOWN_TIMEOUT"] == "25s"
    assert env["SHUTDOWN_DRAIN_DELAY"] == "0s"  # the preStop sleep drains instead
    assert env["PPROF_ENABLED"] == "false"
    assert env["OTEL_SERVICE_NAME"] == "hello"
    assert not any("secretKeyRef" in str(v) for v in env.values())


def test_otel_export_goes_to_the_collector_with_resource_attributes() -> None:
    spec = service_spec({"trace_sample_ratio": 0.25}, observability=endpoints_for("obs"))
    env = _env(spec)
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://alloy.obs.svc.cluster.local:4317"
    assert env["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
    assert env["OTEL_TRACES_SAMPLER_ARG"] == "0.25"
    attributes = dict(item.split("=", 1) for item in env["OTEL_RESOURCE_ATTRIBUTES"].split(","))
    assert attributes["service.version"] == "1.2.3"
    assert attributes["deployment.environment.name"] == "test"
    assert attributes["k8s.pod.name"] == "$(POD_NAME)"
    names = [e["name"] for e in _container(spec)["env"]]
    # $(VAR) expands only variables defined earlier in the list.
    assert names.index("POD_NAME") < names.index("OTEL_RESOURCE_ATTRIBUTES")
    assert env["POD_NAME"] == {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}
    assert "OTEL_SDK_DISABLED" not in env


def test_no_observability_stack_means_no_export() -> None:
    env = _env(service_spec(observability=None))
    assert env["OTEL_SDK_DISABLED"] == "true"
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in env


def test_restricted_security_context() -> None:
    spec = service_spec()
    pod, container = _pod(spec), _container(spec)
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 65532,
        "runAsGroup": 65532,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    context = container["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["runAsUser"] == context["runAsGroup"] == 65532
    assert context["allowPrivilegeEscalation"] is False
    assert context["privileged"] is False
    assert context["readOnlyRootFilesystem"] is True
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "volumes" not in pod  # nothing writes to disk: no /tmp emptyDir
    assert pod["enableServiceLinks"] is False
    for forbidden in ("hostNetwork", "hostPID", "hostIPC"):
        assert forbidden not in pod


def test_image_by_digest_and_named_port() -> None:
    container = _container(service_spec({"port": 8081}))
    assert container["image"] == IMAGE
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["ports"] == [{"name": "http", "containerPort": 8081, "protocol": "TCP"}]


def test_probes_use_the_service_endpoints_on_the_named_port() -> None:
    container = _container(service_spec())
    for probe, path in (
        ("startupProbe", "/healthz"),
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
    ):
        assert container[probe]["httpGet"] == {"path": path, "port": "http", "scheme": "HTTP"}
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] == 60
    assert (
        container["readinessProbe"]["periodSeconds"] < container["livenessProbe"]["periodSeconds"]
    )


def test_requests_and_limits_from_config() -> None:
    spec = service_spec(
        {"resources": {"cpu_request": "250m", "memory_request": "128Mi", "memory_limit": "256Mi"}}
    )
    storage = {"ephemeral-storage": workload.EPHEMERAL_STORAGE_REQUEST}
    assert _container(spec)["resources"] == {
        "requests": {"cpu": "250m", "memory": "128Mi", **storage},
        "limits": {"memory": "256Mi", "ephemeral-storage": workload.EPHEMERAL_STORAGE_LIMIT},
    }
    limited = service_spec({"resources": {"cpu_request": "250m", "cpu_limit": "1"}})
    assert _container(limited)["resources"]["limits"] == {
        "memory": "128Mi",
        "cpu": "1",
        "ephemeral-storage": workload.EPHEMERAL_STORAGE_LIMIT,
    }


def test_pods_get_the_services_priority_class() -> None:
    spec = service_spec()
    assert _pod(spec)["priorityClassName"] == workload.priority_class_name(spec)
    priority = workload.priority_class(spec)
    assert priority["metadata"]["name"] == workload.priority_class_name(spec)
    assert 0 < priority["value"] < 1_000_000_000  # above unclassed pods, below system-*
    assert priority["globalDefault"] is False


@pytest.mark.parametrize(("drain", "timeout"), [(5, 20), (15, 30), (1, 1)])
def test_prestop_sleep_and_grace_period_follow_the_shutdown_settings(
    drain: int, timeout: int
) -> None:
    spec = service_spec({"shutdown": {"drain_delay_seconds": drain, "timeout_seconds": timeout}})
    assert _container(spec)["lifecycle"] == {"preStop": {"sleep": {"seconds": drain}}}
    grace = _pod(spec)["terminationGracePeriodSeconds"]
    assert grace == drain + timeout + workload.GRACE_MARGIN_SECONDS
    assert grace > drain + timeout


def test_no_prestop_without_a_drain_delay() -> None:
    spec = service_spec({"shutdown": {"drain_delay_seconds": 0, "timeout_seconds": 10}})
    assert "lifecycle" not in _container(spec)
    assert _pod(spec)["terminationGracePeriodSeconds"] == 10 + workload.GRACE_MARGIN_SECONDS


def test_rolling_update_never_drops_below_capacity() -> None:
    body = workload.deployment(service_spec({"replicas": {"min": 2, "max": 4}}))["spec"]
    assert body["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"},
    }
    assert body["replicas"] == 2
    assert body["selector"] == {
        "matchLabels": {"app.kubernetes.io/name": "hello", "app.kubernetes.io/instance": "hello"}
    }
    labels = body["template"]["metadata"]["labels"]
    assert body["selector"]["matchLabels"].items() <= labels.items()
    assert "app.kubernetes.io/version" not in body["selector"]["matchLabels"]


def test_preferred_spread_never_blocks_scheduling() -> None:
    zone, host = _pod(service_spec())["topologySpreadConstraints"]
    assert zone["topologyKey"] == "topology.kubernetes.io/zone"
    assert zone["whenUnsatisfiable"] == "ScheduleAnyway"
    assert "minDomains" not in zone
    assert host["topologyKey"] == "kubernetes.io/hostname"
    assert host["whenUnsatisfiable"] == "ScheduleAnyway"
    for constraint in (zone, host):
        assert constraint["maxSkew"] == 1
        assert constraint["matchLabelKeys"] == ["pod-template-hash"]
        assert constraint["labelSelector"]["matchLabels"]["app.kubernetes.io/name"] == "hello"


def test_required_spread_fills_the_known_zones() -> None:
    service = {"zone_spread": "required", "replicas": {"min": 3, "max": 9}}
    zone, host = _pod(service_spec(service, zones=("a", "b", "c", "d")))[
        "topologySpreadConstraints"
    ]
    assert zone["whenUnsatisfiable"] == "DoNotSchedule"
    assert zone["minDomains"] == 3  # never more domains than the minimum replica count
    assert host["whenUnsatisfiable"] == "ScheduleAnyway"
    zone_unknown, _ = _pod(service_spec(service))["topologySpreadConstraints"]
    assert zone_unknown["whenUnsatisfiable"] == "DoNotSchedule"
    assert "minDomains" not in zone_unknown


def test_identity_labels_and_token_mount() -> None:
    spec = service_spec(pod_labels={"azure.workload.identity/use": "true"})
    template = workload.deployment(spec)["spec"]["template"]
    assert template["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    assert template["spec"]["serviceAccountName"] == "hello"
    assert template["spec"]["automountServiceAccountToken"] is False
    assert (
        _pod(service_spec({"needs_kubernetes_api": True}))["automountServiceAccountToken"] is True
    )


def test_profiles_differ_in_size(profile_spec: ServiceSpec) -> None:
    body = workload.deployment(profile_spec)["spec"]
    resources = body["template"]["spec"]["containers"][0]["resources"]
    if profile_spec.environment == "prod":
        assert body["replicas"] == 3
        assert resources["requests"]["cpu"] == "250m"
        assert (
            body["template"]["spec"]["topologySpreadConstraints"][0]["whenUnsatisfiable"]
            == "DoNotSchedule"
        )
    else:
        assert body["replicas"] == 1
        assert resources["requests"]["cpu"] == "100m"
        assert (
            body["template"]["spec"]["topologySpreadConstraints"][0]["whenUnsatisfiable"]
            == "ScheduleAnyway"
        )


def test_tolerates_tainted_arm64_nodes() -> None:
    """GKE taints t2a pools; the multi-arch image belongs there too."""
    assert _pod(service_spec())["tolerations"] == [
        {"key": "kubernetes.io/arch", "operator": "Equal", "value": "arm64", "effect": "NoSchedule"}
    ]
