"""The local stack on the local cluster's real node: containers really run.

`make up` (scripts/local-up.sh) from an empty backend and a fresh cluster with
its real node (containerd, runc, the kubelet, kube-proxy, CoreDNS). Then, as a
user would check it: the service's pods run on the real node from the pushed
digest and are Ready through their real probes; a request through the
Service's ClusterIP gets the service's answer; the logs are JSON; the running
process is non-root with a read-only root, no capabilities and seccomp;
cluster DNS answers; a rollout under steady load loses no request; and
`make down` leaves the host as it was (processes, mounts, interfaces, routes,
iptables and nftables rules, sysctls, host paths). Tests run in file order.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, config

from localcluster import host
from localcluster.settings import DNS_SERVICE_IP, REAL_NODE

from .conftest import CACHE, ROOT, SCRIPTS, run, throwaway_stack_env

# One real node per machine: `make test-integration` runs the real_node modules one at a time.
pytestmark = [pytest.mark.integration, pytest.mark.real_node]

NAMESPACE = "hello"
SERVICE = "hello"


@dataclass
class Node:
    env: dict[str, str]
    api: client.ApiClient
    tmp: Path
    up_log: str
    host_before: dict[str, Any]
    findings: dict[str, Any] = field(default_factory=dict)

    def driver(self, *args: str) -> str:
        return run([sys.executable, "-m", "gantry.driver", *args], self.env, cwd=ROOT)

    def outputs(self) -> dict[str, Any]:
        env = {**self.env, "PULUMI_CONFIG_PASSPHRASE": "gantry-local-only"}
        out = run(
            [str(CACHE / "bin" / "pulumi"), "--non-interactive", "stack", "output", "--json",
             "--stack", "local"],
            env,
            cwd=ROOT,
        )  # fmt: skip
        return dict(json.loads(out))


def _down(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPTS / "local-down.sh")], env=env, cwd=ROOT, capture_output=True, text=True,
        check=False, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def node(engine_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    tmp = tmp_path_factory.mktemp("real-node")
    env = throwaway_stack_env(engine_env, tmp)
    # The node is the subject here; the observability stack on it is test_local_stack's.
    document = yaml.safe_load((ROOT / "Pulumi.local.yaml").read_text())
    document["config"]["gantry:observability"] = {"enabled": False}
    env["GANTRY_CONFIG_FILE"] = str(tmp / "Pulumi.local.node.yaml")
    Path(env["GANTRY_CONFIG_FILE"]).write_text(yaml.safe_dump(document))
    before = host.snapshot(CACHE / "bin", tmp / "cluster")
    try:
        up_log = run([str(SCRIPTS / "local-up.sh")], env, cwd=ROOT)
        api = config.new_client_from_config(config_file=str(tmp / "cluster" / "kubeconfig"))
        yield Node(env=env, api=api, tmp=tmp, up_log=up_log, host_before=before)
    finally:
        _down(env)
        subprocess.run(
            [str(SCRIPTS / "local-cluster.sh"), "reset"], env=env, check=False, timeout=300
        )


def _service_pods(api: client.ApiClient) -> list[Any]:
    pods = client.CoreV1Api(api).list_namespaced_pod(
        NAMESPACE, label_selector=f"app.kubernetes.io/name={SERVICE}"
    )
    return [p for p in pods.items if p.metadata.deletion_timestamp is None]


def _cluster_ip(api: client.ApiClient) -> tuple[str, int]:
    svc = client.CoreV1Api(api).read_namespaced_service(SERVICE, NAMESPACE)
    return svc.spec.cluster_ip, svc.spec.ports[0].port


def _get(address: tuple[str, int], path: str, timeout: float = 5) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(*address, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_a_port_in_use_stops_the_cluster_at_once_with_one_message(
    engine_env: dict[str, str], tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))  # noqa: S104 - the API server binds every address with the node
        taken.listen()
        port = taken.getsockname()[1]
        env = {**engine_env, "GANTRY_CLUSTER_DIR": str(tmp_path), "GANTRY_CLUSTER_PORT": str(port)}
        began = time.monotonic()
        done = subprocess.run(
            [str(SCRIPTS / "local-cluster.sh"), "start"], env=env, capture_output=True, text=True,
            check=False, timeout=120,
        )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"port {port} (kube-apiserver) is already in use" in done.stderr
    assert time.monotonic() - began < 30, "refused before anything started"
    assert not list(tmp_path.glob("*.pid")), "nothing was started"


def test_the_service_pods_run_on_the_real_node_from_the_pushed_digest(node: Node) -> None:
    image = node.outputs()["local"]["image"]
    digest = image.split("@", 1)[1]
    pods = _service_pods(node.api)
    assert pods, "no pod of the service"
    for pod in pods:
        assert pod.spec.node_name == REAL_NODE, f"{pod.metadata.name} on {pod.spec.node_name}"
        ready = {c.type: c.status for c in pod.status.conditions}
        assert ready["Ready"] == "True", pod.status.conditions
        (status,) = pod.status.container_statuses
        assert status.container_id.startswith("containerd://"), "a real container, not kwok's"
        assert status.image_id.endswith(digest), (status.image_id, digest)
        assert status.state.running is not None and status.restart_count == 0


def test_the_service_answers_through_its_cluster_ip(node: Node) -> None:
    address = _cluster_ip(node.api)
    status, body = _get(address, "/api/v1/hello")
    assert status == 200, body
    assert json.loads(body), body
    status, metrics = _get(address, "/metrics")
    assert status == 200
    assert b"go_gc_gogc_percent" in metrics
    node.findings["answer"] = body.decode()


def test_the_pod_logs_are_json_lines(node: Node) -> None:
    core = client.CoreV1Api(node.api)
    pod = _service_pods(node.api)[0]
    logs = core.read_namespaced_pod_log(pod.metadata.name, NAMESPACE)
    lines = [line for line in logs.splitlines() if line.strip()]
    assert lines, "the service logged nothing"
    for line in lines:
        record = json.loads(line)
        assert {"time", "level", "msg"} <= record.keys(), record


def _container_pid(pod: Any) -> int:
    """The service's process on this host, found through its container's cgroup."""
    container_id = pod.status.container_statuses[0].container_id.split("//", 1)[1]
    roots = [Path("/sys/fs/cgroup/pids/kubepods"), Path("/sys/fs/cgroup/kubepods")]
    for procs in (p for root in roots if root.is_dir() for p in root.rglob("cgroup.procs")):
        if procs.parent.name == container_id:
            (pid, *_) = procs.read_text().split()
            return int(pid)
    raise AssertionError(f"no cgroup for container {container_id}")


def test_the_running_container_is_restricted(node: Node) -> None:
    pid = _container_pid(_service_pods(node.api)[0])
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    uids = status["Uid"].split()
    assert set(uids) == {"65532"}, uids
    assert int(status["CapEff"].strip(), 16) == 0, status["CapEff"]
    assert int(status["CapPrm"].strip(), 16) == 0, status["CapPrm"]
    assert status["NoNewPrivs"].strip() == "1"
    assert status["Seccomp"].strip() == "2", "RuntimeDefault: filter mode"
    root = next(
        line.split()
        for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines()
        if line.split()[4] == "/"
    )
    assert "ro" in root[5].split(","), f"root mount options {root[5]}"
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    assert any(e.startswith(b"GOMEMLIMIT=") and e.endswith(b"MiB") for e in environ), environ


def _dns_query(server: str, name: str) -> list[str]:
    """A minimal A query over UDP: the addresses in the answer."""
    question = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    packet = (
        struct.pack(">HHHHHH", 0x6761, 0x0100, 1, 0, 0, 0) + question + struct.pack(">HH", 1, 1)
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(packet, (server, 53))
        reply, _ = sock.recvfrom(512)
    answers = struct.unpack(">H", reply[6:8])[0]
    found, offset = [], 12 + len(question) + 4
    for _ in range(answers):
        offset += 2 if reply[offset] & 0xC0 else len(reply[offset:].split(b"\0", 1)[0]) + 1
        kind, _, _, length = struct.unpack(">HHIH", reply[offset : offset + 10])
        offset += 10
        if kind == 1:
            found.append(socket.inet_ntoa(reply[offset : offset + length]))
        offset += length
    return found


def test_cluster_dns_resolves_the_service(node: Node) -> None:
    cluster_ip, _ = _cluster_ip(node.api)
    assert _dns_query(DNS_SERVICE_IP, f"{SERVICE}.{NAMESPACE}.svc.cluster.local") == [cluster_ip]


def test_a_rollout_under_steady_load_loses_no_request(node: Node) -> None:
    address = _cluster_ip(node.api)
    before = {p.metadata.name for p in _service_pods(node.api)}
    counts = {"ok": 0, "failed": 0}
    failures: list[str] = []
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            try:
                status, _ = _get(address, "/api/v1/hello", timeout=3)
                counts["ok" if status == 200 else "failed"] += 1
                if status != 200:
                    failures.append(f"HTTP {status}")
            except OSError as err:
                counts["failed"] += 1
                failures.append(repr(err))
            time.sleep(0.01)

    stack_file = yaml.safe_load(Path(node.env["GANTRY_CONFIG_FILE"]).read_text())
    stack_file["config"]["gantry:service"] = {"log_level": "debug"}
    changed = node.tmp / "Pulumi.local.yaml"
    changed.write_text(yaml.safe_dump(stack_file))
    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    time.sleep(2)
    began = time.monotonic()
    node.driver("up", "--stack", "local", "--config-file", str(changed))
    apps = client.AppsV1Api(node.api)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        d = apps.read_namespaced_deployment(SERVICE, NAMESPACE)
        old_gone = not before & {p.metadata.name for p in _service_pods(node.api)}
        if d.status.updated_replicas == d.spec.replicas == d.status.ready_replicas and old_gone:
            break
        time.sleep(0.5)
    rollout = time.monotonic() - began
    time.sleep(3)
    stop.set()
    worker.join(10)
    print(f"rollout: {counts['ok'] + counts['failed']} requests in {rollout:.1f}s, {counts}")
    assert not before & {p.metadata.name for p in _service_pods(node.api)}, (
        "the pods were not replaced"
    )
    assert counts["ok"] > 100, counts
    assert counts["failed"] == 0, failures[:10]


def test_the_kubelet_calls_the_readiness_probe(node: Node) -> None:
    """At debug level the service logs its probe routes; only the kubelet calls /readyz."""
    pod = _service_pods(node.api)[0]
    logs = client.CoreV1Api(node.api).read_namespaced_pod_log(pod.metadata.name, NAMESPACE)
    routes = {json.loads(line).get("route") for line in logs.splitlines() if line.strip()}
    assert "/readyz" in routes, sorted(r for r in routes if r)


def test_down_leaves_the_host_as_it_was(node: Node) -> None:
    done = _down(node.env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    after = host.snapshot(CACHE / "bin", node.tmp / "cluster")
    for key, value in node.host_before.items():
        assert after[key] == value, f"{key} differs after make down"
