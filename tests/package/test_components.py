"""The package's components under Pulumi mocks: the program's components inside, the same
Kubernetes objects as the program registers, nothing at all for bad inputs, and the engine's
path through the provider (camelCase inputs, enum values, Outputs where values are needed)."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.alert_rules import AlertRules as ProgramAlertRules
from components.go_service.component import GoService as ProgramGoService
from components.observability.endpoints import endpoints_for
from components.targets.base import ClusterTarget, RegistryEndpoint
from gantry.config_adapter import RELEASES, alert_rules_args, go_service_args, planned_endpoints
from gantry.package import alert_rules, go_service, observability
from gantry.package.inputs import PackageInputError
from gantry.package.provider import GantryProvider
from scripts.render_manifests import load_stack
from tests.harness import Recording, run_with_mocks, unwrap

IMAGE = "127.0.0.1:5001/hello@sha256:" + "b" * 64


def _providers() -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(
        providers={"kubernetes": pulumi.ProviderResource("kubernetes", "cluster", {})}
    )


def _objects(recording: Recording) -> dict[str, dict[str, Any]]:
    """Every Kubernetes object by resource name, with its inputs."""
    return {r.name: unwrap(r.inputs) for r in recording.kubernetes_objects()}


def test_go_service_registers_what_the_program_registers_for_the_same_settings() -> None:
    config = load_stack("dev")
    service = {"name": config.service.name, "namespace": config.service.namespace}
    settings = config.service.model_dump(exclude_none=True)

    def program_side() -> None:
        target = ClusterTarget(
            name="local",
            provider=k8s.Provider("cluster", kubeconfig="unused"),
            kubeconfig=pulumi.Output.secret("unused"),
            cluster_name="local",
            region="local",
            registry=RegistryEndpoint(repository="127.0.0.1:5001/hello", server="127.0.0.1:5001"),
            managed_control_plane=False,
        )
        args = go_service_args(
            config,
            target,
            image=IMAGE,
            environment="dev",
            observability=planned_endpoints(config),
        )
        ProgramGoService("hello", args, _providers())

    def package_side() -> None:
        go_service.GoService(
            "hello",
            {
                "image": IMAGE,
                "app_version": config.image.version,
                "environment": "dev",
                "service": settings,  # type: ignore[typeddict-item]
                "observability_namespace": config.observability.namespace,
            },
            _providers(),
        )

    program, package = run_with_mocks(program_side), run_with_mocks(package_side)
    assert _objects(package) == _objects(program)
    assert len(_objects(package)) >= 8, service
    wrapper = package.one("gantry:index:GoService", "hello")
    inner = package.one("gantry:go_service:GoService", "hello")
    assert inner.parent == wrapper.urn
    assert all(r.parent == inner.urn for r in package.kubernetes_objects() if "$" not in r.name)
    outputs = package.component_outputs(wrapper)
    assert outputs["namespace"] == "hello"
    assert outputs["cluster_url"] == "http://hello.hello.svc.cluster.local:8080"


def test_alert_rules_register_the_programs_rule_groups() -> None:
    config = load_stack("local")
    slos = [s.model_dump(exclude_none=True) for s in config.slos]

    def program_side() -> None:
        endpoints = endpoints_for(config.observability.namespace, RELEASES)  # as with it on
        ProgramAlertRules("alerts", alert_rules_args(config, endpoints), _providers())

    def package_side() -> None:
        alert_rules.AlertRules(
            "alerts",
            {"service": "hello", "namespace": "hello", "slos": slos},  # type: ignore[typeddict-item]
            _providers(),
        )

    program, package = run_with_mocks(program_side), run_with_mocks(package_side)
    assert _objects(package) == _objects(program)
    assert len(_objects(package)) > 2
    component = package.one("gantry:index:AlertRules", "alerts")
    assert sorted(package.component_outputs(component)["group_names"]) == sorted(
        o["metadata"]["name"] for o in _objects(package).values()
    )


@pytest.mark.parametrize(
    ("component", "args"),
    [
        (go_service.GoService, {"image": "x:latest", "app_version": "1", "environment": "e"}),
        (alert_rules.AlertRules, {"service": "hello", "namespace": "kube-x", "slos": []}),
        (
            observability.ObservabilityStack,
            {"service": "s", "service_namespace": "s", "cluster": "C"},
        ),
    ],
    ids=["GoService", "AlertRules", "ObservabilityStack"],
)
def test_bad_inputs_register_nothing(component: Any, args: dict[str, Any]) -> None:
    refused: list[PackageInputError] = []

    def program() -> None:
        options = _providers()
        try:
            component("bad", args, options)
        except PackageInputError as error:
            refused.append(error)

    recording = run_with_mocks(program)
    assert len(refused) == 1
    assert [r.type for r in recording.resources] == ["pulumi:providers:kubernetes"]


def _construct(type_name: str, inputs: dict[str, Any]) -> tuple[Recording, dict[str, Any]]:
    """What the engine's Construct call does: the provider maps the inputs and builds."""
    state: dict[str, Any] = {}

    def program() -> None:
        provider = GantryProvider()
        result = provider.construct("web", f"gantry:index:{type_name}", inputs, _providers())
        state.update(result.state)

    return run_with_mocks(program), state


def test_the_provider_maps_camel_case_inputs_and_enum_values() -> None:
    recording, state = _construct(
        "GoService",
        {
            "image": IMAGE,
            "appVersion": "2.0.0",
            "environment": "dev",
            "nodeSelector": {"type": "kwok"},
            "tolerations": [{"key": "kwok.x-k8s.io/node", "operator": "Exists"}],
            "service": {
                "logLevel": "warn",
                "replicas": {"min": 2.0, "max": 4.0},
                "zoneSpread": "required",
            },
        },
    )
    objects = _objects(recording)
    deployment = objects["web-deployment"]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"type": "kwok"}
    assert {"key": "kwok.x-k8s.io/node", "operator": "Exists"} in pod["tolerations"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["LOG_LEVEL"] == "warn"
    assert objects["web-hpa"]["spec"]["minReplicas"] == 2
    assert set(state) >= {"namespace", "serviceName", "clusterUrl"}


def test_the_provider_reports_every_problem_as_input_errors() -> None:
    with pytest.raises(PackageInputError) as raised:
        _construct(
            "GoService",
            {
                "image": IMAGE,
                "appVersion": "2.0.0",
                "environment": "dev",
                "service": {"port": 22.0, "traceSampleRatio": 2.0},
            },
        )
    assert [e["property_path"] for e in raised.value.errors or []] == [
        "service.port",
        "service.traceSampleRatio",
    ]


def test_the_provider_refuses_outputs_where_values_shape_the_manifests() -> None:
    """The SDK would read an Output object as {} and take every default without a word."""
    with pytest.raises(PackageInputError) as raised:
        _construct(
            "GoService",
            {
                "image": pulumi.Output.from_input(IMAGE),
                "appVersion": "2.0.0",
                "environment": "dev",
                "service": pulumi.Output.from_input({"port": 9090}),
                "observabilityNamespace": pulumi.Output.secret("observability"),
            },
        )
    assert sorted(p for p, _ in raised.value.problems) == ["observabilityNamespace", "service"]
    assert "not another resource's output" in raised.value.problems[0][1]
