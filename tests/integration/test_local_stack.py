"""The local stack end to end: the real engine, a real API server, the pack enforced.

One `make up` (scripts/local-up.sh: toolchain, registry, control plane on
127.0.0.1 with its real node, base image, the observability images, then `up`
through the Automation API driver) from an empty file backend and a fresh
cluster, with the four observability charts from the chart mirror. Then: the
API server's view of what was applied, the idempotence checks (preview,
refresh), no plaintext secret anywhere, config changes that touch only what
they should, the signal path live (the operator's Prometheus and Alertmanager
on the real node, the service's targets up through gantry's ServiceMonitor
and network policies, every generated rule group loaded, an SLO burn alert
fired and delivered to a webhook receiver set in gantry's config, an
exemplar with a trace id), and `destroy`. The cluster and the backend are
throwaway; the fixture stops and deletes them even when a test fails. Tests
run in file order and later ones build on earlier ones.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from gantry.driver.toolchain import LOCAL_PASSPHRASE
from localcluster.settings import REAL_NODE, ClusterSettings
from scripts.verify_image import Crane, verify

from .conftest import CACHE, ROOT, SCRIPTS, chart_mirror, run, throwaway_stack_env
from .signals import WebhookReceiver, get_json, poll, steady_requests, webhook_receiver

# One real node per machine: `make test-integration` runs the real_node modules one at a time.
pytestmark = [pytest.mark.integration, pytest.mark.real_node]

SERVICE_NAMESPACE = "hello"
OBSERVABILITY_NAMESPACE = "observability"
# The local stack's namespaces: the service's, the observability stack's, node-exporter's.
GANTRY_NAMESPACES = ("hello", OBSERVABILITY_NAMESPACE, "observability-node")
REPLICAS = {"min": 2, "max": 3}
WEBHOOK_SECRET_KEY = "alertWebhook"
PRIVILEGED_POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "intruder"},
    "spec": {
        "containers": [
            {
                "name": "c",
                "image": "127.0.0.1:5001/x@sha256:" + "0" * 64,
                "securityContext": {"privileged": True},
            }
        ]
    },
}


@dataclass(frozen=True)
class Deployed:
    """The stack under test, the environment its commands need and a client for its cluster."""

    env: dict[str, str]
    api: client.ApiClient
    up_log: str
    tmp: Path

    def driver(self, *args: str) -> tuple[int, dict[str, Any], str]:
        """Run `python -m gantry.driver ARGS --json F`: (exit code, result, output)."""
        result_file = self.tmp / f"result-{time.monotonic_ns()}.json"
        done = subprocess.run(
            [sys.executable, "-m", "gantry.driver", *args, "--json", str(result_file)],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=1800,
        )
        output = done.stdout + done.stderr
        assert result_file.is_file(), f"the driver wrote no result:\n{output[-6000:]}"
        return done.returncode, json.loads(result_file.read_text()), output

    def pulumi(self, *args: str) -> str:
        """The CLI the bootstrap built, on the same backend (for export and outputs)."""
        env = {**self.env, "PULUMI_CONFIG_PASSPHRASE": LOCAL_PASSPHRASE}
        return run(
            [str(CACHE / "bin" / "pulumi"), "--non-interactive", *args, "--stack", "local"],
            env,
            cwd=ROOT,
        )


def _registry_answers(env: dict[str, str]) -> bool:
    status = subprocess.run(
        [str(SCRIPTS / "local-registry.sh"), "status"],
        env=env,
        capture_output=True,
        check=False,
        timeout=30,
    )
    return status.returncode == 0


@pytest.fixture(scope="module")
def deployed(
    engine_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    tmp = tmp_path_factory.mktemp("local-stack")
    env = throwaway_stack_env(engine_env, tmp)
    if mirror := chart_mirror():
        env["GANTRY_CHART_MIRROR"] = mirror
    registry_was_running = _registry_answers(env)
    try:
        up_log = run([str(SCRIPTS / "local-up.sh")], env, cwd=ROOT)
        kubeconfig = tmp / "cluster" / "kubeconfig"
        api = config.new_client_from_config(config_file=str(kubeconfig))
        yield Deployed(env=env, api=api, up_log=up_log, tmp=tmp)
    finally:
        subprocess.run(
            [sys.executable, "-m", "gantry.driver", "destroy", "--stack", "local"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            check=False,
            timeout=1800,
        )
        subprocess.run(
            [str(SCRIPTS / "local-cluster.sh"), "reset"], env=env, check=False, timeout=120
        )
        if not registry_was_running:
            subprocess.run(
                [str(SCRIPTS / "local-registry.sh"), "stop"], env=env, check=False, timeout=60
            )


@pytest.fixture(scope="module")
def receiver(deployed: Deployed) -> Iterator[WebhookReceiver]:
    """Alertmanager's webhook receiver, on the node's address (its pod reaches it there)."""
    node_ip = ClusterSettings.from_env(deployed.env, ROOT).node_ip
    with webhook_receiver(node_ip) as hook:
        yield hook


def _workloads(api: client.ApiClient) -> list[tuple[str, str, int, int]]:
    """(kind, namespace/name, desired, ready) of every Deployment, StatefulSet and DaemonSet
    gantry applied (the operator's StatefulSets are awaited by their own test)."""
    apps = client.AppsV1Api(api)
    found: list[tuple[str, str, int, int]] = []
    scaled = (
        ("Deployment", apps.list_namespaced_deployment),
        ("StatefulSet", apps.list_namespaced_stateful_set),
    )
    for namespace in GANTRY_NAMESPACES:
        for kind, list_namespaced in scaled:
            for w in list_namespaced(namespace).items:
                if w.metadata.owner_references:
                    continue
                name = f"{namespace}/{w.metadata.name}"
                found.append((kind, name, w.spec.replicas or 0, w.status.ready_replicas or 0))
        for ds in apps.list_namespaced_daemon_set(namespace).items:
            status = ds.status
            found.append(
                (
                    "DaemonSet",
                    f"{namespace}/{ds.metadata.name}",
                    status.desired_number_scheduled,
                    status.number_ready,
                )
            )
    return found


def test_up_applied_every_workload_and_each_is_ready(deployed: Deployed) -> None:
    workloads = _workloads(deployed.api)
    kinds = {kind for kind, *_ in workloads}
    assert "Deployment" in kinds, workloads
    names = {name for _, name, *_ in workloads}
    assert f"{SERVICE_NAMESPACE}/hello" in names
    not_ready = [w for w in workloads if w[2] == 0 or w[3] < w[2]]
    assert not_ready == [], f"not ready: {not_ready}"


def test_pushed_image_is_two_platform_static_nonroot_without_shell(deployed: Deployed) -> None:
    outputs = json.loads(deployed.pulumi("stack", "output", "--json"))
    crane = Crane(str(CACHE / "bin" / "crane"))
    assert verify(outputs["local"]["image"], crane) == []
    deployment = client.AppsV1Api(deployed.api).read_namespaced_deployment(
        "hello", SERVICE_NAMESPACE
    )
    (container,) = deployment.spec.template.spec.containers
    assert container.image == outputs["local"]["image"], "the cluster runs the pushed digest"
    assert "@sha256:" in container.image


def test_the_api_server_admits_the_service_and_refuses_a_privileged_pod(deployed: Deployed) -> None:
    core = client.CoreV1Api(deployed.api)
    labels = core.read_namespace(SERVICE_NAMESPACE).metadata.labels
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    pods = core.list_namespaced_pod(
        SERVICE_NAMESPACE, label_selector="app.kubernetes.io/name=hello"
    ).items
    assert pods, "the service's pods were not admitted"
    assert all(p.status.phase == "Running" for p in pods), [p.status.phase for p in pods]
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_pod(SERVICE_NAMESPACE, PRIVILEGED_POD)
    assert refused.value.status == 403
    assert "violates PodSecurity" in refused.value.body
    assert "restricted:" in refused.value.body, "judged by the namespace's restricted level"


def test_a_second_preview_finds_no_changes(deployed: Deployed) -> None:
    code, result, output = deployed.driver("preview", "--stack", "local", "--expect-no-changes")
    assert code == 0, output[-6000:]
    assert result["changed"] == []


def test_refresh_finds_no_drift(deployed: Deployed) -> None:
    code, result, output = deployed.driver("refresh", "--stack", "local", "--expect-no-changes")
    assert code == 0, output[-6000:]
    assert result["changed"] == []


def test_state_and_outputs_hold_no_plaintext_secret(deployed: Deployed) -> None:
    shown = json.loads(deployed.pulumi("stack", "output", "--json", "--show-secrets"))
    masked = json.loads(deployed.pulumi("stack", "output", "--json"))
    secrets = [
        v if isinstance(v, str) else json.dumps(v) for k, v in shown.items() if masked[k] != v
    ]
    kubeconfig = (deployed.tmp / "cluster" / "kubeconfig").read_text()
    client_key = yaml.safe_load(kubeconfig)["users"][0]["user"]["client-key-data"]
    assert any(kubeconfig in s for s in secrets), "the kubeconfig output is a secret"
    state = deployed.pulumi("stack", "export")
    for value in [client_key, base64.b64decode(client_key).decode(), *secrets]:
        assert value not in state, "a secret appears in plaintext in the exported state"
        assert value not in json.dumps(masked), "a secret appears in plaintext in the outputs"
        assert value not in deployed.up_log, "a secret appears in the log of make up"


def _changed_kinds(result: dict[str, Any]) -> set[str]:
    """The resource types an `up` changed. The dynamic-provider plugin's provider resource
    takes a new config file as an update; it owns nothing in the cluster."""
    return {
        urn.rsplit("::", 2)[-2].rpartition("$")[2]
        for _, urn in result["changed"]
        if "::pulumi:providers:pulumi-python::" not in urn
    }


def test_changing_replicas_updates_only_the_deployment_and_its_autoscaler(
    deployed: Deployed,
) -> None:
    stack_file = yaml.safe_load((ROOT / "Pulumi.local.yaml").read_text())
    stack_file["config"]["gantry:service"] = {"replicas": REPLICAS}
    changed_file = deployed.tmp / "Pulumi.local.yaml"
    changed_file.write_text(yaml.safe_dump(stack_file))
    code, result, output = deployed.driver(
        "up", "--stack", "local", "--config-file", str(changed_file)
    )
    assert code == 0, output[-6000:]
    kinds = _changed_kinds(result)  # every Kubernetes object is judged
    assert "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" in kinds, result["changed"]
    assert kinds <= {
        "kubernetes:apps/v1:Deployment",
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    }, result["changed"]
    hpa = client.AutoscalingV2Api(deployed.api).read_namespaced_horizontal_pod_autoscaler(
        "hello", SERVICE_NAMESPACE
    )
    assert (hpa.spec.min_replicas, hpa.spec.max_replicas) == (2, 3)


def test_adding_a_webhook_receiver_changes_only_alertmanagers_config_secret(
    deployed: Deployed, receiver: WebhookReceiver
) -> None:
    stack_file = yaml.safe_load((deployed.tmp / "Pulumi.local.yaml").read_text())
    stack_file["config"]["gantry:observability"] = {
        "receivers": [{"name": "test-hook", "type": "webhook", "secret": WEBHOOK_SECRET_KEY}]
    }
    with_receiver = deployed.tmp / "Pulumi.local.receiver.yaml"
    with_receiver.write_text(yaml.safe_dump(stack_file))
    deployed.pulumi(
        "config", "set", "--secret", f"gantry:{WEBHOOK_SECRET_KEY}", receiver.url,
        "--config-file", str(with_receiver),
    )  # fmt: skip
    assert receiver.url not in with_receiver.read_text(), "the receiver URL is stored encrypted"
    code, result, output = deployed.driver(
        "up", "--stack", "local", "--config-file", str(with_receiver)
    )
    assert code == 0, output[-6000:]
    assert _changed_kinds(result) == {"kubernetes:core/v1:Secret"}, result["changed"]
    assert receiver.url not in output, "the receiver URL appears in the log of up"


def _api_address(deployed: Deployed, name: str) -> tuple[str, int]:
    svc = client.CoreV1Api(deployed.api).read_namespaced_service(name, OBSERVABILITY_NAMESPACE)
    return svc.spec.cluster_ip, svc.spec.ports[0].port


def test_the_operator_runs_prometheus_and_alertmanager_on_the_real_node(
    deployed: Deployed,
) -> None:
    apps = client.AppsV1Api(deployed.api)
    core = client.CoreV1Api(deployed.api)
    for name, image in (
        ("prometheus-kps-prometheus", "quay.io/prometheus/prometheus:v3.14.0-distroless"),
        ("alertmanager-kps-alertmanager", "quay.io/prometheus/alertmanager:v0.34.0"),
    ):
        poll(
            f"StatefulSet {name} ready",
            lambda name=name: (
                True
                if (
                    apps.read_namespaced_stateful_set(
                        name, OBSERVABILITY_NAMESPACE
                    ).status.ready_replicas
                    or 0
                )
                >= 1
                else None
            ),
            timeout=300,
        )
        pods = core.list_namespaced_pod(
            OBSERVABILITY_NAMESPACE, label_selector=f"statefulset.kubernetes.io/pod-name={name}-0"
        ).items
        assert [p.spec.node_name for p in pods] == [REAL_NODE], name
        images = {c.image for c in pods[0].spec.containers}
        assert image in images, images
        # Pulled through containerd's hosts mapping from the loopback registry.
        assert all("@sha256:" in c.image_id for c in pods[0].status.container_statuses)
    simulated = {
        p.metadata.labels.get("app.kubernetes.io/name"): p.spec.node_name
        for p in core.list_namespaced_pod(OBSERVABILITY_NAMESPACE).items
        if p.spec.node_name != REAL_NODE
    }
    assert set(simulated) == {"grafana", "loki", "tempo", "alloy"}, simulated


def test_prometheus_scrapes_the_service_pods_through_gantrys_service_monitor(
    deployed: Deployed,
) -> None:
    prometheus = _api_address(deployed, "kps-prometheus")
    pods = (
        client.CoreV1Api(deployed.api)
        .list_namespaced_pod(SERVICE_NAMESPACE, label_selector="app.kubernetes.io/name=hello")
        .items
    )
    ips = {p.status.pod_ip for p in pods if p.status.pod_ip}

    def healthy() -> list[dict[str, Any]] | None:
        active = get_json(prometheus, "/api/v1/targets", {"state": "active"})["data"]
        ours = [
            t for t in active["activeTargets"]
            if t["scrapePool"].startswith(f"serviceMonitor/{SERVICE_NAMESPACE}/hello/")
        ]  # fmt: skip
        up = [t for t in ours if t["health"] == "up"]
        return ours if ours and len(up) == len(ours) == len(ips) else None

    targets = poll("the service's targets up", healthy, timeout=240)
    assert {t["labels"]["pod"] for t in targets} == {p.metadata.name for p in pods}
    assert {t["discoveredLabels"]["__address__"].rsplit(":", 1)[0] for t in targets} == ips


def test_every_scrape_target_of_the_stack_is_up(deployed: Deployed) -> None:
    """Stand-ins are neither scraped nor kubelet targets: nothing is down for a known reason."""
    prometheus = _api_address(deployed, "kps-prometheus")

    def all_up() -> list[str] | None:
        active = get_json(prometheus, "/api/v1/targets", {"state": "active"})["data"]
        targets = active["activeTargets"]
        down = [f"{t['scrapeUrl']}: {t['lastError']}" for t in targets if t["health"] != "up"]
        if down:
            raise OSError(f"down: {down}")  # poll keeps it for its failure message
        return [t["labels"]["job"] for t in targets] or None

    jobs = set(poll("every active target up", all_up, timeout=240))
    assert {"hello", "kubelet", "node-exporter", "kube-state-metrics", "apiserver"} <= jobs, jobs


def _gantry_rule_groups(deployed: Deployed) -> set[str]:
    """Every group of the PrometheusRules gantry applied (not the chart's own)."""
    rules = client.CustomObjectsApi(deployed.api).list_cluster_custom_object(
        "monitoring.coreos.com", "v1", "prometheusrules"
    )["items"]
    return {
        group["name"]
        for rule in rules
        if not rule["metadata"]["name"].startswith("kps-")
        for group in rule["spec"]["groups"]
    }


def test_every_generated_rule_group_is_loaded_without_an_evaluation_error(
    deployed: Deployed,
) -> None:
    prometheus = _api_address(deployed, "kps-prometheus")
    expected = _gantry_rule_groups(deployed)
    assert {"slo-hello-availability", "slo-hello-latency"} <= expected, expected

    def loaded() -> dict[str, Any] | None:
        groups = get_json(prometheus, "/api/v1/rules")["data"]["groups"]
        found = {g["name"]: g for g in groups if g["name"] in expected}
        evaluated = all(g["lastEvaluation"] > "2000" for g in found.values())
        return found if set(found) == expected and evaluated else None

    found = poll("every generated rule group loaded and evaluated", loaded, timeout=240)
    broken = [
        (name, rule.get("name") or rule.get("alert"), rule.get("lastError"))
        for name, group in found.items()
        for rule in group["rules"]
        if rule["health"] != "ok" or rule.get("lastError")
    ]
    assert broken == []


def test_a_burning_slo_fires_and_alertmanager_delivers_it_to_the_webhook(
    deployed: Deployed, receiver: WebhookReceiver
) -> None:
    svc = client.CoreV1Api(deployed.api).read_namespaced_service("hello", SERVICE_NAMESPACE)
    service = (svc.spec.cluster_ip, svc.spec.ports[0].port)

    def burn_alert() -> dict[str, Any] | None:
        return next(
            (
                a for a in receiver.alerts()
                if a["labels"].get("alertname") == "ErrorBudgetBurnFast"
                and a["labels"].get("slo") == "availability"
                and a["status"] == "firing"
            ),
            None,
        )  # fmt: skip

    # Every request fails: burn rate 100x over the 5m and 1h windows, past the 14.4x page.
    with steady_requests(service, "/api/v1/work?failure_rate=1", per_second=5) as statuses:
        alert = poll("ErrorBudgetBurnFast delivered to the webhook", burn_alert, timeout=480)
    assert statuses.count(500) > 0, statuses[:20]
    assert alert["labels"]["severity"] == "critical"
    assert alert["labels"]["service"] == "hello"
    assert alert["annotations"]["runbook_url"].endswith("ErrorBudgetBurnFast.md")


def test_the_latency_histogram_carries_exemplars_with_trace_ids(deployed: Deployed) -> None:
    prometheus = _api_address(deployed, "kps-prometheus")

    def exemplars() -> list[dict[str, Any]] | None:
        now = time.time()
        found = get_json(
            prometheus,
            "/api/v1/query_exemplars",
            {
                "query": 'http_request_duration_seconds_bucket{job="hello"}',
                "start": str(now - 1800),
                "end": str(now),
            },
        )["data"]
        return [e for series in found for e in series["exemplars"]] or None

    found = poll("an exemplar of the service's latency histogram", exemplars, timeout=180)
    trace_ids = {e["labels"].get("trace_id", "") for e in found}
    assert any(len(t) == 32 and int(t, 16) for t in trace_ids), trace_ids


def test_destroy_leaves_no_gantry_object_and_an_empty_stack(deployed: Deployed) -> None:
    code, _, output = deployed.driver("destroy", "--stack", "local")
    assert code == 0, output[-6000:]
    core = client.CoreV1Api(deployed.api)
    left = [
        ns.metadata.name
        for ns in core.list_namespace().items
        if ns.metadata.name in GANTRY_NAMESPACES
    ]
    assert left == [], f"namespaces left behind: {left}"
    crds = client.ApiextensionsV1Api(deployed.api).list_custom_resource_definition().items
    assert [c.metadata.name for c in crds] == [], "chart CRDs left behind"
    cluster_roles = client.RbacAuthorizationV1Api(deployed.api).list_cluster_role().items
    # The cluster's own add-ons (CoreDNS, the policy enforcer) are applied by localcluster.
    ours = [
        r.metadata.name
        for r in cluster_roles
        if not r.metadata.name.startswith("system:")
        and r.metadata.name not in {"admin", "edit", "view", "cluster-admin"}
        and not any(f.manager == "gantry-localcluster" for f in r.metadata.managed_fields or [])
    ]
    assert ours == [], f"cluster roles left behind: {ours}"
    priority = client.SchedulingV1Api(deployed.api).list_priority_class().items
    assert [p.metadata.name for p in priority if not p.metadata.name.startswith("system-")] == []
    state = json.loads(deployed.pulumi("stack", "export"))
    assert state["deployment"].get("resources") in (None, []), "the stack still holds resources"
