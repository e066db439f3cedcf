"""Each component's input check: the program's rules, every bad field at once under its schema
path, and the program's defaults for everything omitted."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.alerts.runbooks import DEFAULT_RUNBOOK_BASE_URL
from components.go_service.spec import ServiceSettings
from components.observability.settings import ObservabilitySettings
from gantry.config.service import ServiceConfig
from gantry.config_adapter import service_settings
from gantry.package import alert_rules, go_image, go_service, observability, placement
from gantry.package.inputs import PackageInputError

IMAGE = "127.0.0.1:5001/hello@sha256:" + "a" * 64


def _problems(parse: Any, args: Any) -> dict[str, str]:
    with pytest.raises(PackageInputError) as raised:
        parse("web", args)
    error = raised.value
    assert [e["property_path"] for e in error.errors or []] == [p for p, _ in error.problems]
    assert str(error).count("\n  - ") == len(error.problems), "one line per problem"
    return dict(error.problems)


def test_go_service_defaults_are_the_programs() -> None:
    args = go_service.parse(
        "web", {"image": IMAGE, "app_version": "1.2.3", "environment": "staging"}
    )
    assert args.spec.service == ServiceSettings() == service_settings(ServiceConfig())
    assert args.spec.observability is None
    assert (args.spec.app_version, args.spec.environment) == ("1.2.3", "staging")


def test_go_service_reports_every_bad_field_at_once() -> None:
    problems = _problems(
        go_service.parse,
        {
            "image": "127.0.0.1:5001/hello:latest",
            "app_version": "one",
            "environment": "staging",
            "service": {
                "port": 80,
                "replicas": {"min": 5, "max": 3},
                "resources": {"memory_request": "256Mi", "memory_limit": "128Mi"},
                "log_level": go_service.LogLevel.DEBUG,
            },
            "observability_namespace": "Observability",
        },
    )
    assert set(problems) == {
        "image",
        "appVersion",
        "service.port",
        "service.replicas",
        "service.resources",
        "observabilityNamespace",
    }
    assert "greater than or equal to 1024" in problems["service.port"]
    assert "min (5) is greater than max (3)" in problems["service.replicas"]
    assert "memory_limit 128Mi is below memory_request 256Mi" in problems["service.resources"]
    assert "not pinned by digest" in problems["image"]
    assert problems["appVersion"].startswith('given "one"')


def test_go_service_rules_on_the_whole_settings_come_once_its_fields_are_valid() -> None:
    """As in the stack config: pydantic runs a model's own rules after its fields pass."""
    problems = _problems(
        go_service.parse,
        {
            "image": IMAGE,
            "app_version": "1.0.0",
            "environment": "x",
            "service": {"namespace": "kube-system"},
        },
    )
    assert problems == {
        "service": 'given {"namespace": "kube-system"}; namespace \'kube-system\' is reserved; '
        "use a namespace of the service's own"
    }


def test_go_service_reports_missing_required_inputs() -> None:
    problems = _problems(go_service.parse, {"image": IMAGE})
    assert problems == {
        "appVersion": "given nothing; this input is required",
        "environment": "given nothing; this input is required",
    }


def test_go_service_with_a_stack_gets_its_contract_and_checks_across_fields() -> None:
    args = go_service.parse(
        "web",
        {
            "image": IMAGE,
            "app_version": "1.2.3",
            "environment": "dev",
            "service": {"log_level": go_service.LogLevel.WARN, "replicas": {"min": 2}},
            "observability_namespace": "monitoring",
        },
    )
    assert args.spec.observability is not None
    assert args.spec.observability.otlp_endpoint == "http://alloy.monitoring.svc.cluster.local:4317"
    assert args.spec.service.log_level == "warn"
    assert (args.spec.service.replicas.min, args.spec.service.replicas.max) == (2, 3)
    problems = _problems(
        go_service.parse,
        {
            "image": IMAGE,
            "app_version": "1.2.3",
            "environment": "dev",
            "service": {"namespace": "monitoring"},
            "observability_namespace": "monitoring",
        },
    )
    assert problems == {
        "": "the service must not share the observability namespace: policies collide"
    }


def test_go_service_places_its_pods_and_checks_the_tolerations() -> None:
    base = {"image": IMAGE, "app_version": "1.2.3", "environment": "x"}
    args = go_service.parse(
        "web",
        {
            **base,
            "node_selector": {"pool": "general"},
            "tolerations": [
                {"key": "dedicated", "value": "web", "effect": placement.TaintEffect.NO_SCHEDULE},
                {"key": "spot", "operator": placement.TolerationOperator.EXISTS},
            ],
        },
    )
    assert args.spec.placement.node_selector == {"pool": "general"}
    assert args.spec.placement.tolerations == (
        {"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"},
        {"key": "spot", "operator": "Exists"},
    )
    problems = _problems(
        go_service.parse,
        {
            **base,
            "tolerations": [
                {"key": "spot", "operator": placement.TolerationOperator.EXISTS, "value": "x"},
                {"key": "", "effect": "Sometimes"},
            ],
        },
    )
    assert set(problems) == {"tolerations[0]", "tolerations[1].key", "tolerations[1].effect"}
    assert "matches any value" in problems["tolerations[0]"]


def test_an_image_output_is_checked_at_deploy_time_not_refused() -> None:
    args = go_service.parse(
        "web",
        {"image": pulumi.Output.from_input(IMAGE), "app_version": "1.2.3", "environment": "x"},
    )
    assert isinstance(args.spec.image, pulumi.Output)


def test_alert_rules_default_to_the_programs_stack_and_runbooks() -> None:
    args = alert_rules.parse("web", {"service": "hello", "namespace": "hello", "slos": []})
    assert args.observability.namespace == "observability"
    assert args.scope.observability_namespace == "observability"
    assert args.runbook_base_url == DEFAULT_RUNBOOK_BASE_URL
    assert list(args.slos) == []


def test_alert_rules_check_each_slo_and_their_names() -> None:
    slo = {"name": "availability", "kind": alert_rules.SloKind.AVAILABILITY, "objective": 0.99}
    problems = _problems(
        alert_rules.parse,
        {
            "service": "hello",
            "namespace": "default",
            "slos": [
                slo,
                slo,
                {"name": "latency", "kind": alert_rules.SloKind.LATENCY, "objective": 0.95},
                {
                    "name": "fast",
                    "kind": alert_rules.SloKind.LATENCY,
                    "objective": 0.9,
                    "latency_threshold_seconds": 0.3,
                },
            ],
        },
    )
    assert set(problems) == {"namespace", "slos[2]", "slos[3]", "slos"}
    assert "needs latency_threshold_seconds" in problems["slos[2]"]
    assert "not a histogram bucket bound" in problems["slos[3]"]
    assert problems["slos"] == "SLO names are not unique: availability"
    assert "reserved" in problems["namespace"], "the namespace rule of the service's own config"


def test_observability_stack_defaults_and_secrets() -> None:
    secrets = pulumi.Output.secret({"slack": "https://hooks.example/T/B/x"})
    args = observability.parse(
        "obs",
        {
            "service": "hello",
            "service_namespace": "hello",
            "cluster": "local",
            "settings": {
                "receivers": [
                    {"name": "team", "type": observability.ReceiverType.SLACK, "secret": "slack"}
                ]
            },
            "receiver_secrets": secrets,
        },
    )
    assert args.settings.receivers[0].severities == ("critical", "warning")
    assert args.settings.retention == ObservabilitySettings().retention
    assert args.nodes == 3 and args.target.name == "local"
    assert not args.target.managed_control_plane and args.target.provider is None
    assert sorted(args.receiver_secrets) == ["slack"]


def test_observability_stack_reports_every_bad_field() -> None:
    problems = _problems(
        observability.parse,
        {
            "service": "hello",
            "service_namespace": "hello",
            "cluster": "Local_1",
            "nodes": 0,
            "settings": {
                "storage": {"prometheus": "100Mi"},
                "retention": {"logs": "a week"},
                "receivers": [
                    {
                        "name": "pager",
                        "type": observability.ReceiverType.PAGERDUTY,
                        "secret": "pd",
                        "channel": "#x",
                    }
                ],
            },
            "receiver_secrets": {"other": "x"},
        },
    )
    assert set(problems) == {
        "cluster",
        "nodes",
        "settings.storage.prometheus",
        "settings.retention.logs",
        "settings.receivers[0]",
    }
    assert "below 1Gi" in problems["settings.storage.prometheus"]
    assert "slack receivers only" in problems["settings.receivers[0]"]


def test_observability_stack_needs_the_receivers_secrets() -> None:
    receiver = {"name": "team", "type": observability.ReceiverType.SLACK, "secret": "slack"}
    base = {"service": "hello", "service_namespace": "hello", "cluster": "c"}
    none = _problems(observability.parse, {**base, "settings": {"receivers": [receiver]}})
    assert none == {"receiverSecrets": "given nothing; the receivers name ['slack']"}
    wrong = _problems(
        observability.parse,
        {**base, "settings": {"receivers": [receiver]}, "receiver_secrets": {"pd": "x"}},
    )
    assert wrong == {"receiverSecrets": "has no ['slack'], which receivers name"}


def test_go_image_takes_the_programs_image_defaults() -> None:
    args = go_image.parse(
        "img", {"registries": {"local": {"repository": "r/hello", "server": "r"}}}
    )
    assert (args.version, args.context, args.builder, args.main) == (
        "0.1.0",
        "app",
        "buildx",
        "./cmd/hello",
    )
    assert args.platforms == ["linux/amd64", "linux/arm64"]


def test_go_image_reports_the_builders_rules_per_input() -> None:
    problems = _problems(
        go_image.parse,
        {
            "registries": {
                "a": {"repository": "r/a", "server": "r"},
                "b": {"repository": "r/b", "server": "r", "password": "pw"},
            },
            "builder": go_image.ImageBuilder.KO,
        },
    )
    assert set(problems) == {"registries", "baseImage"}
    fields = _problems(
        go_image.parse,
        {
            "registries": {"a": {"repository": "r/a"}},
            "version": "v1",
            "platforms": [go_image.Platform.LINUX_AMD64, go_image.Platform.LINUX_AMD64],
        },
    )
    assert set(fields) == {"registries.a.server", "version", "platforms"}


def test_go_image_marks_the_registry_password_secret() -> None:
    args = go_image.parse(
        "img",
        {
            "registries": {
                "a": {"repository": "r/a", "server": "r", "username": "u", "password": "pw"}
            }
        },
    )
    password = args.registries["a"].password
    assert isinstance(password, pulumi.Output)
