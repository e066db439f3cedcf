"""GoService under Pulumi mocks: every object, parented, on the given provider, dev and prod."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.go_service.component import GoService
from components.targets.base import ClusterTarget, RegistryEndpoint
from gantry import pulumi_internals as sdk
from gantry.config_adapter import go_service_args, planned_endpoints
from scripts.render_manifests import load_stack
from tests.harness import Recording, Registered, run_with_mocks, unwrap

from .conftest import IMAGE

COMPONENT = "gantry:go_service:GoService"
PROVIDER = "pulumi:providers:kubernetes"


def _target(
    provider: k8s.Provider,
    identity: Callable[[str, str], Any] | None = None,
    zones: tuple[str, ...] = (),
    pod_labels: dict[str, str] | None = None,
) -> ClusterTarget:
    return ClusterTarget(
        name="t",
        provider=provider,
        kubeconfig=pulumi.Output.secret("kubeconfig"),
        cluster_name="c",
        region="r",
        registry=RegistryEndpoint(
            repository="registry.example.com/hello", server="registry.example.com"
        ),
        managed_control_plane=True,
        workload_identity=identity,
        zones=zones,
        service_account_pod_labels=pod_labels or {},
    )


def _deploy(
    stack: str,
    image: pulumi.Input[str] | None = None,
    *,
    with_observability: bool = True,
    **target: Any,
) -> Recording:
    config = load_stack(stack)

    def program() -> None:
        provider = k8s.Provider("cluster", kubeconfig="unused")
        args = go_service_args(
            config,
            _target(provider, **target),
            image=image or IMAGE,
            environment=stack,
            observability=planned_endpoints(config) if with_observability else None,
        )
        GoService("hello", args, pulumi.ResourceOptions(provider=provider))

    return run_with_mocks(program, stack=stack)


def _children(rec: Recording) -> list[Registered]:
    component = rec.one(COMPONENT, "hello")
    return rec.children_of(component)


@pytest.fixture(params=["dev", "prod"], scope="module")
def deployed(request: pytest.FixtureRequest) -> tuple[str, Recording]:
    return request.param, _deploy(request.param, zones=("z1", "z2", "z3"))


def test_every_object_is_a_child_on_the_given_provider(deployed: tuple[str, Recording]) -> None:
    _, rec = deployed
    component = rec.one(COMPONENT, "hello")
    provider = rec.one(PROVIDER, "cluster")
    objects = list(rec.kubernetes_objects())
    assert objects
    for obj in objects:
        assert obj.parent == component.urn, obj.name
        assert obj.provider is not None and obj.provider.startswith(provider.urn), obj.name
        assert obj.name.startswith("hello-"), obj.name
        assert obj.custom


def test_namespace_is_never_default(deployed: tuple[str, Recording]) -> None:
    _, rec = deployed
    for obj in rec.kubernetes_objects():
        metadata = obj.inputs["metadata"]
        if obj.type == "kubernetes:core/v1:Namespace":
            assert metadata["name"] == "hello"
        elif obj.type == "kubernetes:scheduling.k8s.io/v1:PriorityClass":
            assert "namespace" not in metadata, "cluster-scoped"
        else:
            assert metadata["namespace"] == "hello", obj.name


def test_the_objects_per_profile(deployed: tuple[str, Recording]) -> None:
    stack, rec = deployed
    kinds = sorted(obj.type.split(":")[-1] for obj in _children(rec))
    expected = [
        "Deployment",
        "HorizontalPodAutoscaler",
        "Namespace",
        "NetworkPolicy",
        "NetworkPolicy",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "PriorityClass",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
    ]
    if stack == "prod":
        expected = sorted([*expected, "Ingress"])
    assert kinds == expected


def test_deployment_inputs_per_profile(deployed: tuple[str, Recording]) -> None:
    stack, rec = deployed
    deployment = rec.one("kubernetes:apps/v1:Deployment", "hello-deployment").inputs
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["image"] == IMAGE
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsUser"] == 65532
    zone = pod["topologySpreadConstraints"][0]
    if stack == "prod":
        assert deployment["spec"]["replicas"] == 3
        assert zone["whenUnsatisfiable"] == "DoNotSchedule"
        assert zone["minDomains"] == 3
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["GOMEMLIMIT"] == "230MiB"
    else:
        assert deployment["spec"]["replicas"] == 1
        assert zone["whenUnsatisfiable"] == "ScheduleAnyway"


def test_hpa_pdb_and_service_monitor_inputs(deployed: tuple[str, Recording]) -> None:
    stack, rec = deployed
    hpa = rec.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "hello-hpa").inputs
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (
        (3, 12) if stack == "prod" else (1, 3)
    )
    pdb = rec.one("kubernetes:policy/v1:PodDisruptionBudget", "hello-pdb").inputs
    assert pdb["spec"]["maxUnavailable"] == 1
    sm = rec.one(
        "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "hello-service-monitor"
    ).inputs
    assert sm["metadata"]["labels"]["release"] == "kps"
    assert sm["spec"]["endpoints"][0]["port"] == "http"


def test_namespace_and_service_account(deployed: tuple[str, Recording]) -> None:
    _, rec = deployed
    ns = rec.one("kubernetes:core/v1:Namespace", "hello-namespace").inputs
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    sa = rec.one("kubernetes:core/v1:ServiceAccount", "hello-service-account").inputs
    assert sa["automountServiceAccountToken"] is False


def test_outputs(deployed: tuple[str, Recording]) -> None:
    stack, rec = deployed
    outputs = unwrap(rec.component_outputs(rec.one(COMPONENT, "hello")))
    assert outputs["namespace"] == "hello"
    assert outputs["service_name"] == "hello"
    assert outputs["cluster_url"] == "http://hello.hello.svc.cluster.local:8080"
    if stack == "prod":
        assert outputs["public_url"] == "https://hello.example.com"
        ingress = rec.one("kubernetes:networking.k8s.io/v1:Ingress", "hello-ingress").inputs
        assert ingress["spec"]["tls"][0]["hosts"] == ["hello.example.com"]
    else:
        assert outputs.get("public_url") is None


def test_workload_identity_annotations_and_pod_labels_from_the_target() -> None:
    calls: list[tuple[str, str]] = []

    def identity(namespace: str, account: str) -> Any:
        calls.append((namespace, account))
        return {"azure.workload.identity/client-id": pulumi.Output.from_input("0000-client")}

    rec = _deploy("prod", identity=identity, pod_labels={"azure.workload.identity/use": "true"})
    assert calls == [("hello", "hello")]
    sa = rec.one("kubernetes:core/v1:ServiceAccount", "hello-service-account").inputs
    assert sa["metadata"]["annotations"] == {"azure.workload.identity/client-id": "0000-client"}
    deployment = rec.one("kubernetes:apps/v1:Deployment", "hello-deployment").inputs
    assert (
        deployment["spec"]["template"]["metadata"]["labels"]["azure.workload.identity/use"]
        == "true"
    )


def test_local_stack_is_monitored_like_the_others() -> None:
    assert _deploy("local").of_type("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")


def test_without_an_observability_stack_there_are_no_monitoring_objects() -> None:
    rec = _deploy("local", with_observability=False)
    assert not rec.of_type("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")
    assert not rec.of_type("kubernetes:networking.k8s.io/v1:Ingress")
    names = sorted(
        r.inputs["metadata"]["name"]
        for r in rec.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    )
    assert names == ["default-deny", "hello-allow-egress"]


def test_image_output_is_accepted_when_it_has_a_digest() -> None:
    rec = _deploy("dev", image=pulumi.Output.from_input(IMAGE))
    deployment = rec.one("kubernetes:apps/v1:Deployment", "hello-deployment").inputs
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == IMAGE


def test_a_tagged_image_is_rejected_before_any_resource() -> None:
    with pytest.raises(ValueError, match="not pinned by digest"):
        _deploy("dev", image="registry.example.com/hello:latest")


def test_a_tagged_image_output_fails_the_deployment() -> None:
    try:
        with pytest.raises(Exception, match="not pinned by digest"):
            _deploy("dev", image=pulumi.Output.from_input("registry.example.com/hello:1.0"))
    finally:
        # The failed program leaves its error in the runtime's RPC manager, where
        # the next mocked run in this process would re-raise it.
        sdk.reset_runtime()
    _deploy("dev")  # a clean run works again
