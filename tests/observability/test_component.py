"""The ObservabilityStack under Pulumi mocks: children, provider, secrets, outputs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml
from pulumi.runtime.mocks import MockResourceArgs

from components.observability.budget import SMALL_BUDGET_MEBIBYTES, SMALL_BUDGET_MILLICORES
from components.observability.component import ObservabilityStack, ObservabilityStackArgs
from components.targets import storage_values
from components.targets.base import ClusterTarget, ObjectStorage, RegistryEndpoint
from gantry.config.observability import ObservabilityConfig
from gantry.config_adapter import observability_args, observability_settings
from scripts.render_manifests import load_stack
from tests.harness import Recording, Registered, is_secret, run_with_mocks, unwrap

CHART = "kubernetes:helm.sh/v4:Chart"
COMPONENT = "gantry:observability:ObservabilityStack"
PASSWORD = "Gr4fanaGeneratedPasswordXyZ0123456789ab"
SLACK_URL = "https://hooks.slack.example/services/T00/B00/sekrit-slack-token"
PD_KEY = "pagerduty-routing-key-sekrit-42"
ROLE = "arn:aws:iam::123456789012:role/aws-prod-loki"


def _chart_fake(args: MockResourceArgs) -> dict[str, Any]:
    """helm.v4.Chart reaches the mocks as one registration: give it the outputs it has."""
    release = args.inputs.get("name", args.name)
    namespace = args.inputs.get("namespace", "default")
    return {
        "resources": [
            f"urn:pulumi:test::gantry::kubernetes:apps/v1:Deployment::{namespace}/{release}"
        ]
    }


DYNAMIC = "pulumi-python:dynamic:Resource"

FAKES = {
    CHART: _chart_fake,
    # GeneratedPassword (the stack's only dynamic resource) draws on create.
    DYNAMIC: lambda a: {"length": a.inputs["length"], "result": PASSWORD},
}


def _target(
    provider: k8s.Provider, *, managed: bool, storage: ObjectStorage | None
) -> ClusterTarget:
    return ClusterTarget(
        name="aws-prod" if storage else "aws-dev",
        provider=provider,
        kubeconfig=pulumi.Output.secret("apiVersion: v1"),
        cluster_name="c1",
        region="us-east-1",
        registry=RegistryEndpoint(repository="r.example/hello", server="r.example"),
        managed_control_plane=managed,
        storage=storage,
    )


def _s3_storage() -> ObjectStorage:
    return ObjectStorage(
        loki_values=pulumi.Output.from_input(storage_values.loki_s3("loki-b", "us-east-1")),
        tempo_values=pulumi.Output.from_input(storage_values.tempo_s3("tempo-b", "us-east-1")),
        loki_service_account_annotations={
            "eks.amazonaws.com/role-arn": pulumi.Output.from_input(ROLE)
        },
        tempo_service_account_annotations={
            "eks.amazonaws.com/role-arn": ROLE.replace("loki", "tempo")
        },
    )


def _run(
    profile: str,
    *,
    storage: bool = False,
    managed: bool = True,
    receivers: list[dict[str, Any]] | None = None,
) -> Recording:
    config = ObservabilityConfig.model_validate({"profile": profile, "receivers": receivers or []})

    def program() -> None:
        provider = k8s.Provider("aws-prod-k8s" if storage else "aws-dev-k8s", kubeconfig="{}")
        secrets: Mapping[str, pulumi.Output[str]] = {
            "slackUrl": pulumi.Output.secret(SLACK_URL),
            "pdKey": pulumi.Output.secret(PD_KEY),
        }
        stack = ObservabilityStack(
            "obs",
            ObservabilityStackArgs(
                target=_target(
                    provider, managed=managed, storage=_s3_storage() if storage else None
                ),
                settings=observability_settings(config),
                service="hello",
                service_namespace="hello",
                receiver_secrets=secrets,
            ),
        )
        pulumi.export("requests", stack.requests)

    return run_with_mocks(program, fakes=FAKES)


RECEIVERS = [
    {"name": "pd", "type": "pagerduty", "secret": "pdKey", "severities": ["critical"]},
    {"name": "slack", "type": "slack", "secret": "slackUrl", "severities": ["warning"]},
]


def _plain_occurrences(node: Any, needle: str, path: str = "") -> list[str]:
    """Paths where `needle` appears outside a secret wrapper."""
    if is_secret(node):
        return []
    if isinstance(node, str):
        return [path] if needle in node else []
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _plain_occurrences(v, needle, f"{path}.{k}")]
    if isinstance(node, list):
        return [
            p for i, v in enumerate(node) for p in _plain_occurrences(v, needle, f"{path}[{i}]")
        ]
    return []


def _values(rec: Recording, release: str) -> dict[str, Any]:
    chart = rec.one(CHART, f"obs-{release}")
    return unwrap(chart.inputs["values"])


def test_children_are_parented_and_use_the_targets_provider() -> None:
    rec = _run("small")
    component = rec.one(COMPONENT, "obs")
    charts = {r.name: r for r in rec.of_type(CHART)}
    assert set(charts) == {"obs-kps-crds", "obs-kps", "obs-loki", "obs-tempo", "obs-alloy"}
    children = rec.children_of(component)
    assert {r.name for r in children} >= {
        "obs-ns",
        "obs-node-ns",
        "obs-grafana-admin",
        "obs-alertmanager-config",
        "obs-datasources",
        "obs-dashboard",
        *charts,
    }
    for child in children:
        assert child.name.startswith("obs-")
        if child.type.startswith("kubernetes:"):
            assert child.provider is not None and "aws-dev-k8s" in child.provider, child.name


def test_the_crds_are_a_release_of_their_own_applied_before_the_operators() -> None:
    rec = _run("small")
    crds, kps = rec.one(CHART, "obs-kps-crds"), rec.one(CHART, "obs-kps")
    assert crds.inputs["chart"] == kps.inputs["chart"] == "kube-prometheus-stack"
    assert crds.inputs["version"] == kps.inputs["version"]
    assert crds.inputs["values"]["crds"] == {"enabled": True}
    assert crds.inputs["values"]["prometheusOperator"] == {"enabled": False}
    assert kps.inputs["values"]["crds"] == {"enabled": False}
    # The operator looks for its CRDs once, at start: they must exist by then.
    assert crds.urn in kps.dependencies


def test_charts_are_pinned_releases_in_the_namespace() -> None:
    rec = _run("small")
    kps = rec.one(CHART, "obs-kps")
    assert kps.inputs["name"] == "kps"
    assert kps.inputs["namespace"] == "observability"
    assert kps.inputs["chart"] == "kube-prometheus-stack"
    assert kps.inputs["version"] == "88.5.3"
    assert kps.inputs["repositoryOpts"]["repo"].startswith("https://")
    assert {rec.one(CHART, f"obs-{r}").inputs["name"] for r in ("loki", "tempo", "alloy")} == {
        "loki",
        "tempo",
        "alloy",
    }


def test_namespaces_enforce_pod_security() -> None:
    rec = _run("small")
    labels = {
        r.inputs["metadata"]["name"]: r.inputs["metadata"]["labels"]
        for r in rec.of_type("kubernetes:core/v1:Namespace")
    }
    assert labels["observability"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert labels["observability-node"]["pod-security.kubernetes.io/enforce"] == "privileged"


def test_grafana_password_is_generated_and_never_plaintext() -> None:
    rec = _run("small", receivers=RECEIVERS)
    secret = rec.one("kubernetes:core/v1:Secret", "obs-grafana-admin")
    # The whole stringData is stored encrypted.
    assert is_secret(secret.inputs["stringData"])
    assert unwrap(secret.inputs["stringData"])["admin-password"] == PASSWORD
    for resource in rec.resources:
        if resource.type == DYNAMIC:
            assert resource.inputs.get("result") is None, "the password is drawn by the provider"
            continue
        assert _plain_occurrences(resource.inputs, PASSWORD) == [], resource.name
    component = rec.one(COMPONENT, "obs")
    outputs = rec.component_outputs(component)
    assert is_secret(outputs["grafana_admin_password"])
    assert _plain_occurrences(outputs, PASSWORD) == []
    assert _plain_occurrences(rec.exports, PASSWORD) == []


def test_receiver_secrets_only_in_the_alertmanager_secret() -> None:
    rec = _run("ha", storage=True, receivers=RECEIVERS)
    secret = rec.one("kubernetes:core/v1:Secret", "obs-alertmanager-config")
    assert secret.inputs["metadata"]["name"] == "alertmanager-gantry"
    assert is_secret(secret.inputs["stringData"])
    config = yaml.safe_load(unwrap(secret.inputs["stringData"])["alertmanager.yaml"])
    assert config["receivers"][1]["pagerduty_configs"][0]["routing_key"] == PD_KEY
    for needle in (SLACK_URL, PD_KEY):
        for resource in rec.resources:
            assert _plain_occurrences(resource.inputs, needle) == [], (resource.name, needle)
        assert needle not in json.dumps(unwrap(rec.one(CHART, "obs-kps").inputs["values"]))


def test_small_profile_values_and_budget_output() -> None:
    rec = _run("small", managed=True)
    kps = _values(rec, "kps")
    assert kps["prometheus"]["prometheusSpec"]["replicas"] == 1
    assert kps["kubeEtcd"]["enabled"] is False
    loki = _values(rec, "loki")
    assert loki["loki"]["storage"]["type"] == "filesystem"
    outputs = unwrap(rec.component_outputs(rec.one(COMPONENT, "obs")))
    requests = outputs["requests"]
    assert requests["cpu_millicores"] <= SMALL_BUDGET_MILLICORES
    assert requests["memory_mebibytes"] <= SMALL_BUDGET_MEBIBYTES
    assert requests["cpu_millicores"] == sum(
        w["cpu_millicores"] for w in requests["by_workload"].values()
    )
    assert rec.exports["requests"] == requests
    assert outputs["otlp_endpoint"] == "http://alloy.observability.svc.cluster.local:4317"


def test_unmanaged_control_plane_keeps_its_scrape_targets() -> None:
    kps = _values(_run("small", managed=False), "kps")
    assert kps["kubeScheduler"]["enabled"] is True
    assert kps["kubeControllerManager"]["enabled"] is True


def test_ha_profile_puts_loki_and_tempo_on_the_bucket_with_the_identity() -> None:
    rec = _run("ha", storage=True)
    loki = _values(rec, "loki")
    assert loki["loki"]["storage"]["type"] == "s3"
    assert loki["loki"]["storage"]["bucketNames"]["chunks"] == "loki-b"
    assert loki["singleBinary"]["replicas"] == 3
    assert loki["serviceAccount"]["annotations"] == {"eks.amazonaws.com/role-arn": ROLE}
    tempo = _values(rec, "tempo")
    assert tempo["tempo"]["storage"]["trace"]["backend"] == "s3"
    assert tempo["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"].endswith("tempo")
    kps = _values(rec, "kps")
    assert kps["prometheus"]["prometheusSpec"]["externalLabels"] == {"cluster": "aws-prod"}
    assert kps["alertmanager"]["alertmanagerSpec"]["replicas"] == 3


def test_datasources_and_dashboard_configmaps_carry_sidecar_labels() -> None:
    rec = _run("small")
    ds: Registered = rec.one("kubernetes:core/v1:ConfigMap", "obs-datasources")
    assert ds.inputs["metadata"]["labels"] == {"grafana_datasource": "1"}
    provisioning = yaml.safe_load(ds.inputs["data"]["gantry-datasources.yaml"])
    assert {d["uid"] for d in provisioning["datasources"]} == {
        "prometheus",
        "loki",
        "tempo",
        "alertmanager",
    }
    board = rec.one("kubernetes:core/v1:ConfigMap", "obs-dashboard")
    assert board.inputs["metadata"]["labels"] == {"grafana_dashboard": "1"}
    (text,) = board.inputs["data"].values()
    assert json.loads(text)["uid"] == "gantry-hello"


def test_every_namespace_defaults_to_deny_with_the_stacks_exceptions() -> None:
    rec = _run("small")
    policies = rec.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    by_ns: dict[str, dict[str, dict[str, Any]]] = {}
    for p in policies:
        meta = p.inputs["metadata"]
        by_ns.setdefault(meta["namespace"], {})[meta["name"]] = p.inputs["spec"]
    for namespace in ("observability", "observability-node"):
        deny = by_ns[namespace]["default-deny"]
        assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    otlp = by_ns["observability"]["otlp-from-cluster"]
    assert otlp["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "alloy"}}
    assert {p["port"] for p in otlp["ingress"][0]["ports"]} == {4317, 4318}
    scrape = by_ns["observability-node"]["scrape-from-prometheus"]["ingress"][0]
    assert scrape["ports"] == [{"protocol": "TCP", "port": 9100}]
    notify = by_ns["observability"]["alertmanager-notifies-receivers"]
    assert notify["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "alertmanager"}}
    assert notify["egress"] == [{}], "receivers are wherever their (secret) URLs point"
    internal = by_ns["observability"]["stack-internal"]["egress"]
    assert {
        "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 6443}]
    } in internal
    assert all(p.parent == rec.one(COMPONENT, "obs").urn for p in policies)


def test_args_from_the_committed_prod_stack_config() -> None:
    stack = load_stack("prod")

    def program() -> None:
        provider = k8s.Provider("p", kubeconfig="{}")
        secrets = {
            "prodPagerdutyRoutingKey": pulumi.Output.secret(PD_KEY),
            "prodSlackWebhookUrl": pulumi.Output.secret(SLACK_URL),
            "unrelated": pulumi.Output.secret("x"),
        }
        args = observability_args(
            stack, _target(provider, managed=True, storage=_s3_storage()), secrets
        )
        assert set(args.receiver_secrets) == {"prodPagerdutyRoutingKey", "prodSlackWebhookUrl"}
        assert args.service == stack.service.name
        assert args.settings.profile == "ha"
        ObservabilityStack("obs", args)

    rec = run_with_mocks(program, fakes=FAKES)
    config = yaml.safe_load(
        unwrap(
            rec.one("kubernetes:core/v1:Secret", "obs-alertmanager-config").inputs["stringData"]
        )["alertmanager.yaml"]
    )
    names = [r["name"] for r in config["receivers"]]
    assert names == ["null", "prod-pagerduty", "prod-slack"]
