"""The guardrails enforced by a running cluster, on the local cluster's real node.

NetworkPolicies (enforced by kube-router), the HorizontalPodAutoscaler (fed
by metrics-server) and the PodDisruptionBudget (the eviction API) are proven
by what they do, not by their manifests. Network checks run from pods of a
small probe gantry builds (app/cmd/netprobe), never from the host: the node's
own addresses pass every policy. Each allow rule is also shown to be what
lets the traffic in or out: with the rule deleted the same probe fails.

The stack: the local stack with 2 to 4 replicas, a 20m CPU request (so that
a modest load moves the autoscaler) and a 15-second scale-down window (test
only; the default is 300 s). The ingress policy GoService writes when its
Ingress is on is added through the API (see `ingress_policy`). Tests run in
file order; the autoscaling test is last because it changes the replica count.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from components.go_service.network import allow_ingress
from components.go_service.spec import ServiceSpec
from components.observability.endpoints import endpoints_for
from gantry.config.service import ServiceConfig
from gantry.config_adapter import service_settings
from localcluster import images
from localcluster.settings import ClusterSettings, Ports

from .conftest import CACHE, ROOT, SCRIPTS, chart_mirror, run, throwaway_stack_env

# One real node per machine: `make test-integration` runs the real_node modules one at a time.
pytestmark = [pytest.mark.integration, pytest.mark.real_node]

NAMESPACE = "hello"
SERVICE = "hello"
CONTROLLER_NAMESPACE = "ingress-probe"
INTRUDER_NAMESPACE = "intruder"
OBSERVABILITY_NAMESPACE = "observability"
PROBE = images.NodeImage("gantry/netprobe", "netprobe")
SERVICE_CHANGES = {
    "replicas": {"min": 2, "max": 4},
    "resources": {"cpu_request": "20m"},
    "autoscaling": {"cpu_utilization": 50, "scale_down_window_seconds": 15},
}
INGRESS = {"enabled": True, "host": "hello.local", "controller_namespace": CONTROLLER_NAMESPACE}


def ingress_policy() -> dict[str, Any]:
    """The allow-ingress policy GoService writes when the Ingress is on, from the same builder.

    It is applied through the API, not the engine: the engine would wait for the Ingress
    to get an address, and no ingress controller can run here (its image cannot be built).
    With the observability stack on, GoService already wrote the policy (Prometheus may
    scrape); this one lets the controller's namespace in too, from the same builder.
    """
    settings = service_settings(
        ServiceConfig.model_validate({**SERVICE_CHANGES, "ingress": INGRESS})
    )
    spec = ServiceSpec(
        service=settings,
        image="127.0.0.1:5001/hello@sha256:" + "0" * 64,
        app_version="0",
        environment="local",
        observability=endpoints_for(OBSERVABILITY_NAMESPACE),
    )
    policy = allow_ingress(spec)
    assert policy is not None
    return policy


@dataclass
class Cluster:
    env: dict[str, str]
    api: client.ApiClient
    probe_image: str
    tmp: Path

    @property
    def core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api)

    def driver(self, *args: str) -> str:
        return run([sys.executable, "-m", "gantry.driver", *args], self.env, cwd=ROOT)


def _probe_image(tmp: Path, env: dict[str, str], cluster_dir: Path) -> str:
    binary = tmp / "netprobe"
    run(
        ["go", "build", "-trimpath", "-o", str(binary), "./cmd/netprobe"],
        {**env, "CGO_ENABLED": "0"},
        cwd=ROOT / "app",
    )
    settings = ClusterSettings(root=ROOT, cache=CACHE, dir=cluster_dir, ports=Ports())
    return images.push(settings, PROBE, binary)


@pytest.fixture(scope="module")
def cluster(
    engine_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("guardrails")
    env = throwaway_stack_env(engine_env, tmp)
    env["GANTRY_CLUSTER_NODES"] = "2"  # a drain needs somewhere to go
    if mirror := chart_mirror():
        env["GANTRY_CHART_MIRROR"] = mirror
    try:
        run([str(SCRIPTS / "local-up.sh")], env, cwd=ROOT)
        stack_file = yaml.safe_load((ROOT / "Pulumi.local.yaml").read_text())
        stack_file["config"]["gantry:service"] = SERVICE_CHANGES
        changed = tmp / "Pulumi.local.yaml"
        changed.write_text(yaml.safe_dump(stack_file))
        run(
            [
                sys.executable,
                "-m",
                "gantry.driver",
                "up",
                "--stack",
                "local",
                "--config-file",
                str(changed),
            ],
            env,
            cwd=ROOT,
        )
        api = config.new_client_from_config(config_file=str(tmp / "cluster" / "kubeconfig"))
        core = client.CoreV1Api(api)
        for namespace in (CONTROLLER_NAMESPACE, INTRUDER_NAMESPACE):
            core.create_namespace({"metadata": {"name": namespace}})
        net = client.NetworkingV1Api(api)
        policy = ingress_policy()
        net.delete_namespaced_network_policy(policy["metadata"]["name"], NAMESPACE)
        net.create_namespaced_network_policy(NAMESPACE, policy)
        image = _probe_image(tmp, env, tmp / "cluster")
        yield Cluster(env=env, api=api, probe_image=image, tmp=tmp)
    finally:
        subprocess.run(
            [str(SCRIPTS / "local-down.sh")], env=env, cwd=ROOT, capture_output=True,
            check=False, timeout=600,
        )  # fmt: skip
        subprocess.run(
            [str(SCRIPTS / "local-cluster.sh"), "reset"], env=env, check=False, timeout=300
        )


def probe(
    cluster: Cluster, namespace: str, *check: str, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run one netprobe check in a pod of NAMESPACE; its outcome line and exit code."""
    name = f"probe-{uuid.uuid4().hex[:8]}"
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "labels": {"app.kubernetes.io/part-of": "probe", **(labels or {})},
        },
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "terminationGracePeriodSeconds": 1,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 65532,
                "runAsGroup": 65532,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": "probe",
                    "image": cluster.probe_image,
                    "args": ["-after", "3s", "-timeout", "4s", *check],
                    "resources": {
                        "requests": {"cpu": "10m", "memory": "16Mi"},
                        "limits": {"memory": "32Mi"},
                    },
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "readOnlyRootFilesystem": True,
                        "capabilities": {"drop": ["ALL"]},
                    },
                }
            ],
        },
    }
    cluster.core.create_namespaced_pod(namespace, pod)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status = cluster.core.read_namespaced_pod(name, namespace).status
            if status.phase in ("Succeeded", "Failed"):
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"probe {namespace}/{name} did not finish: {status}")
        (container,) = status.container_statuses
        outcome = json.loads(
            cluster.core.read_namespaced_pod_log(name, namespace).strip().splitlines()[-1]
        )
        outcome["exit"] = container.state.terminated.exit_code
        assert outcome["exit"] == (0 if outcome["ok"] else 1), outcome
        return dict(outcome)
    finally:
        cluster.core.delete_namespaced_pod(name, namespace, grace_period_seconds=0)


def _service(cluster: Cluster) -> tuple[str, int]:
    svc = cluster.core.read_namespaced_service(SERVICE, NAMESPACE)
    return svc.spec.cluster_ip, svc.spec.ports[0].port


def _selector(cluster: Cluster) -> dict[str, str]:
    deployment = client.AppsV1Api(cluster.api).read_namespaced_deployment(SERVICE, NAMESPACE)
    return dict(deployment.spec.selector.match_labels)


def _policy(cluster: Cluster, suffix: str) -> dict[str, Any]:
    net = client.NetworkingV1Api(cluster.api)
    return dict(
        cluster.api.sanitize_for_serialization(
            net.read_namespaced_network_policy(f"{SERVICE}-{suffix}", NAMESPACE)
        )
    )


class Removed:
    """Delete one of gantry's NetworkPolicies for the block, and put it back exactly."""

    def __init__(self, cluster: Cluster, suffix: str) -> None:
        self.net = client.NetworkingV1Api(cluster.api)
        self.body = _policy(cluster, suffix)

    def __enter__(self) -> None:
        self.net.delete_namespaced_network_policy(self.body["metadata"]["name"], NAMESPACE)
        time.sleep(2)

    def __exit__(self, *_: object) -> None:
        meta = self.body["metadata"]
        body = {**self.body, "metadata": {"name": meta["name"], "labels": meta.get("labels")}}
        body.pop("status", None)
        self.net.create_namespaced_network_policy(NAMESPACE, body)
        time.sleep(2)


def test_an_unrelated_namespace_cannot_reach_the_service(cluster: Cluster) -> None:
    ip, port = _service(cluster)
    pod_ip = (
        cluster.core.list_namespaced_pod(
            NAMESPACE, label_selector=",".join(f"{k}={v}" for k, v in _selector(cluster).items())
        )
        .items[0]
        .status.pod_ip
    )
    for target in (f"{ip}:{port}", f"{pod_ip}:{port}"):
        outcome = probe(cluster, INTRUDER_NAMESPACE, "connect", target)
        assert not outcome["ok"], f"{target} was reachable from {INTRUDER_NAMESPACE}: {outcome}"
        assert outcome["ms"] < 4500, "refused or timed out within the bound"


def test_the_ingress_controllers_namespace_reaches_the_service_through_its_rule(
    cluster: Cluster,
) -> None:
    url = f"http://{SERVICE}.{NAMESPACE}.svc.cluster.local:{_service(cluster)[1]}/api/v1/hello"
    allowed = probe(cluster, CONTROLLER_NAMESPACE, "get", url)
    assert allowed["ok"], allowed
    assert "hello" in allowed["detail"]
    with Removed(cluster, "allow-ingress"):
        refused = probe(cluster, CONTROLLER_NAMESPACE, "get", url)
    assert not refused["ok"], f"allowed without its rule: {refused}"
    assert probe(cluster, CONTROLLER_NAMESPACE, "get", url)["ok"], "the rule is back"


def test_prometheus_scrapes_the_service_through_its_rule_and_no_other_stack_pod_does(
    cluster: Cluster,
) -> None:
    pod_ip = (
        cluster.core.list_namespaced_pod(
            NAMESPACE, label_selector=",".join(f"{k}={v}" for k, v in _selector(cluster).items())
        )
        .items[0]
        .status.pod_ip
    )
    metrics = f"http://{pod_ip}:{_service(cluster)[1]}/metrics"
    as_prometheus = {"app.kubernetes.io/name": "prometheus"}
    scraped = probe(cluster, OBSERVABILITY_NAMESPACE, "get", metrics, labels=as_prometheus)
    assert scraped["ok"], scraped
    # Any other pod of the stack's namespace stays behind the stack's default deny.
    assert not probe(cluster, OBSERVABILITY_NAMESPACE, "get", metrics)["ok"]
    with Removed(cluster, "allow-ingress"):
        refused = probe(cluster, OBSERVABILITY_NAMESPACE, "get", metrics, labels=as_prometheus)
    assert not refused["ok"], f"scraped without the service's ingress rule: {refused}"
    assert probe(cluster, OBSERVABILITY_NAMESPACE, "get", metrics, labels=as_prometheus)["ok"]


def test_the_service_reaches_dns_through_its_rule_and_nothing_else(cluster: Cluster) -> None:
    as_service = _selector(cluster)
    name = "kubernetes.default.svc.cluster.local"
    resolved = probe(cluster, NAMESPACE, "resolve", name, labels=as_service)
    assert resolved["ok"], resolved
    coredns = cluster.core.list_namespaced_pod("kube-system", label_selector="k8s-app=kube-dns")
    dns_pod = coredns.items[0].status.pod_ip
    for target in (
        "10.96.0.1:443",
        f"{dns_pod}:9153",
        f"{_service(cluster)[0]}:{_service(cluster)[1]}",
    ):
        outcome = probe(cluster, NAMESPACE, "connect", target, labels=as_service)
        assert not outcome["ok"], f"the service reached {target}: {outcome}"
    with Removed(cluster, "allow-egress"):
        refused = probe(cluster, NAMESPACE, "resolve", name, labels=as_service)
    assert not refused["ok"], f"DNS without its rule: {refused}"


def _replicas(cluster: Cluster) -> tuple[int, int]:
    deployment = client.AppsV1Api(cluster.api).read_namespaced_deployment(SERVICE, NAMESPACE)
    return deployment.spec.replicas, deployment.status.ready_replicas or 0


class Load:
    """Steady GETs through the Service's ClusterIP from THREADS threads; counts every outcome."""

    def __init__(self, address: tuple[str, int], threads: int, pause: float) -> None:
        self.address, self.pause = address, pause
        self.ok = self.failed = 0
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.workers = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        while not self.stop.is_set():
            conn = http.client.HTTPConnection(*self.address, timeout=3)
            try:
                conn.request("GET", "/api/v1/hello", headers={"Connection": "close"})
                status = conn.getresponse().status
                error = None if status == 200 else f"HTTP {status}"
            except OSError as err:
                error = repr(err)
            finally:
                conn.close()
            with self.lock:
                if error is None:
                    self.ok += 1
                else:
                    self.failed += 1
                    self.failures.append(error)
            time.sleep(self.pause)

    def __enter__(self) -> Load:
        for worker in self.workers:
            worker.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for worker in self.workers:
            worker.join(10)


def _evict(cluster: Cluster, pod: str, namespace: str = NAMESPACE) -> int:
    """POST an Eviction; its HTTP status (201 accepted, 429 refused by the budget)."""
    body = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": pod, "namespace": namespace},
    }
    try:
        cluster.core.create_namespaced_pod_eviction(pod, namespace, body)
    except ApiException as err:
        return int(err.status)
    return 201


def _service_pods(cluster: Cluster) -> list[Any]:
    selector = ",".join(f"{k}={v}" for k, v in _selector(cluster).items())
    pods = cluster.core.list_namespaced_pod(NAMESPACE, label_selector=selector).items
    return [p for p in pods if p.metadata.deletion_timestamp is None]


def test_the_disruption_budget_refuses_a_second_eviction_and_a_drain_loses_no_request(
    cluster: Cluster,
) -> None:
    deadline = time.monotonic() + 120
    while _replicas(cluster) != (2, 2) and time.monotonic() < deadline:
        time.sleep(1)
    first, second = (p.metadata.name for p in _service_pods(cluster)[:2])
    assert _evict(cluster, first) == 201
    assert _evict(cluster, second) == 429, "the budget allows one pod down at a time"
    time.sleep(2)
    with Load(_service(cluster), threads=2, pause=0.02) as load:
        for pod in [p.metadata.name for p in _service_pods(cluster)]:
            deadline = time.monotonic() + 120
            while (status := _evict(cluster, pod)) == 429 and time.monotonic() < deadline:
                time.sleep(1)
            assert status == 201, f"eviction of {pod}: HTTP {status}"
            desired, ready = _replicas(cluster)
            print(f"evicted {pod} with {ready}/{desired} ready")
        deadline = time.monotonic() + 120
        while _replicas(cluster) != (2, 2) and time.monotonic() < deadline:
            time.sleep(1)
        time.sleep(3)
    print(f"drain: {load.ok + load.failed} requests, {load.failed} failed")
    assert load.ok > 100
    assert load.failed == 0, load.failures[:10]
    assert all(p.spec.node_name.startswith("gantry-node") for p in _service_pods(cluster))


def test_a_node_drain_moves_every_pod_to_the_other_real_node_and_loses_no_request(
    cluster: Cluster,
) -> None:
    """What `kubectl drain` does: cordon the node, then evict each of its pods through the
    eviction API, retrying while a disruption budget refuses."""
    drained, other = "gantry-node", "gantry-node-2"
    cluster.core.patch_node(drained, {"spec": {"unschedulable": True}})
    try:
        with Load(_service(cluster), threads=2, pause=0.02) as load:
            on_node = cluster.core.list_pod_for_all_namespaces(
                field_selector=f"spec.nodeName={drained}"
            ).items
            for pod in on_node:
                deadline = time.monotonic() + 120
                name, namespace = pod.metadata.name, pod.metadata.namespace
                while (status := _evict(cluster, name, namespace)) == 429:
                    assert time.monotonic() < deadline, f"{namespace}/{name} never evictable"
                    time.sleep(1)
                assert status in (201, 404), f"eviction of {namespace}/{name}: HTTP {status}"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                pods = _service_pods(cluster)
                moved = pods and all(p.spec.node_name == other for p in pods)
                if moved and _replicas(cluster) == (2, 2):
                    break
                time.sleep(1)
            time.sleep(3)
    finally:
        cluster.core.patch_node(drained, {"spec": {"unschedulable": None}})
    print(f"node drain: {len(on_node)} pods evicted, {load.ok + load.failed} requests")
    assert all(p.spec.node_name == other for p in _service_pods(cluster))
    assert _replicas(cluster) == (2, 2)
    assert load.ok > 100
    assert load.failed == 0, load.failures[:10]


def test_the_autoscaler_scales_up_under_load_and_back_down(cluster: Cluster) -> None:
    timeline: list[tuple[float, int, int]] = []
    began = time.monotonic()

    def sample() -> tuple[int, int]:
        desired, ready = _replicas(cluster)
        timeline.append((round(time.monotonic() - began), desired, ready))
        return desired, ready

    with Load(_service(cluster), threads=6, pause=0):
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            desired, ready = sample()
            if desired > 2 and ready == desired:
                break
            time.sleep(5)
    scaled_up = max(d for _, d, _ in timeline)
    up_at = time.monotonic() - began
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        desired, _ = sample()
        if desired == 2:
            break
        time.sleep(5)
    print("replicas over time (s, desired, ready):", timeline)
    assert scaled_up > 2, f"no scale-up under load within 180 s: {timeline}"
    assert timeline[-1][1] == 2, f"no scale-down to the minimum within 240 s: {timeline}"
    print(f"scaled up to {scaled_up} within {up_at:.0f}s; back to 2 at {timeline[-1][0]}s")
