"""The real node's units: containerd, the kubelet (in a mount namespace of its own), kube-proxy,
and cluster DNS; and how the node is taken down without leaving anything on the host."""

from __future__ import annotations

import json
import shlex
import socket
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

from . import host, images, metrics, render
from .api import Api, ApiError
from .controlplane import node_ready, write_kubeconfig
from .process import Unit, wait_until
from .settings import ClusterSettings, RealNode

DRAIN_TAINT = {"key": "gantry.dev/node-stopping", "value": "true", "effect": "NoExecute"}


def _socket_answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        sock.connect(str(path))
    return True


def _healthz(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
        return int(resp.status) == 200


def host_record(s: ClusterSettings) -> Path:
    return s.node_dir / "host-before.json"


def write_configs(s: ClusterSettings, sandbox_image: str) -> None:
    """Every file the node's processes read, under the node's directory: shared ones
    (registry hosts, resolv.conf, kube-proxy's and kube-router's) and each node's own."""
    (s.node_dir / "tunables").mkdir(parents=True, exist_ok=True)
    # The loopback registry, and the charts' registries resolved to it.
    for name in (s.registry, *render.MIRRORED_REGISTRIES):
        registry_dir = s.node_dir / "certs.d" / name
        registry_dir.mkdir(parents=True, exist_ok=True)
        (registry_dir / "hosts.toml").write_text(render.registry_hosts(s.registry))
    (s.node_dir / "resolv.conf").write_text(render.resolv_conf())
    (s.node_dir / "kube-proxy.json").write_text(json.dumps(render.kube_proxy_config(s), indent=2))
    for key in render.KERNEL_TUNABLES:
        # The host's value: the kubelet writes its own over the copy, never over the kernel's.
        tunable_copy(s, key).write_text((host.read_sysctl(key) or "") + "\n")
    write_kubeconfig(s, "kube-proxy", s.dir / "kube-proxy.kubeconfig")
    write_kubeconfig(s, "kube-router", s.dir / "kube-router.kubeconfig")
    for node in s.real_nodes:
        d = node.dir
        for sub in (
            "cni/net.d",
            "cni/ipam",
            "kubelet",
            "pod-logs",
            "volume-plugins",
            "device-plugins",
        ):
            (d / sub).mkdir(parents=True, exist_ok=True)
        (d / "containerd.toml").write_text(render.containerd_config(s, node, sandbox_image))
        conflist = json.dumps(render.cni_conflist(node), indent=2)
        (d / "cni" / "net.d" / "10-gantry.conflist").write_text(conflist)
        (d / "kubelet.json").write_text(json.dumps(render.kubelet_config(s, node), indent=2))
        kubeconfig = s.dir / f"kubelet-{node.name}.kubeconfig"
        write_kubeconfig(s, f"kubelet-client-{node.name}", kubeconfig)


def tunable_copy(s: ClusterSettings, key: str) -> Path:
    return s.node_dir / "tunables" / key.replace("/", ".")


def prepare_nodes(s: ClusterSettings) -> None:
    """Each kubelet's root dir as a shared bind of itself (it mounts volumes in its own
    namespace; the shared bind carries them back to containerd's), and each cgroup root
    other than / created in every hierarchy, as the kubelet expects to find it."""
    for node in s.real_nodes:
        root = str(node.kubelet_root)
        if root not in host.mounts_under([node.kubelet_root]):
            subprocess.run(["mount", "--bind", root, root], check=True, capture_output=True)
        subprocess.run(["mount", "--make-rshared", root], check=True, capture_output=True)
        if node.cgroup_root != "/":
            host.make_cgroup(node.cgroup_root.strip("/"))


def kubelet_command(s: ClusterSettings, node: RealNode) -> list[str]:
    """The kubelet in a mount namespace of its own whose kernel-tunable files are plain files,
    so that the values it writes at start never reach the host's kernel. A second node also
    gets its own device-plugin directory there: that path is hard-coded in the kubelet, and
    each kubelet deletes the other's socket in a shared one."""
    steps = ["mount --make-rprivate /proc"]
    for key in render.KERNEL_TUNABLES:
        copy = shlex.quote(str(tunable_copy(s, key)))
        steps.append(f"mount --bind {copy} /proc/sys/{key}")
    if node.index > 0:
        plugins = shlex.quote(str(node.dir / "device-plugins"))
        steps += [
            f"mkdir -p {DEVICE_PLUGINS}",
            f"mount --make-rprivate {DEVICE_PLUGINS.rsplit('/', 1)[0]} 2>/dev/null || true",
            f"mount --bind {plugins} {DEVICE_PLUGINS}",
        ]
    kubelet = [str(s.bin / "kubelet"), *render.kubelet_args(s, node)]
    script = " && ".join([*steps, "exec " + " ".join(shlex.quote(a) for a in kubelet)])
    return ["unshare", "--mount", "--propagation", "unchanged", "--", "/bin/sh", "-c", script]


DEVICE_PLUGINS = "/var/lib/kubelet/device-plugins"
NODE_DIRS = ("cni/net.d", "cni/ipam", "kubelet", "pod-logs", "volume-plugins", "device-plugins")


def node_units(s: ClusterSettings, node: RealNode) -> list[Unit]:
    """One real node's containerd and kubelet."""
    api = Api(s, timeout=3)
    env_path = {"PATH": f"{s.bin}:/usr/sbin:/usr/bin:/sbin:/bin"}
    return [
        Unit(
            name=f"containerd{node.unit_suffix}",
            binary=s.bin / "containerd",
            argv=[str(s.bin / "containerd"), "--config", str(node.dir / "containerd.toml")],
            state_dir=s.dir,
            ready=lambda: _socket_answers(node.containerd_socket),
            ready_seconds=30,
            # containerd finds its shim on PATH.
            env=env_path,
        ),
        Unit(
            name=f"kubelet{node.unit_suffix}",
            binary=s.bin / "kubelet",
            argv=kubelet_command(s, node),
            state_dir=s.dir,
            ready=lambda: _healthz(node.kubelet_healthz_port) and node_ready(api, node.name),
            ready_seconds=90,
            env=env_path,
        ),
    ]


def units(s: ClusterSettings) -> list[Unit]:
    """Every real node's containerd and kubelet, then the host-wide kube-proxy and
    kube-router (one each: both nodes share this machine's network namespace and address)."""
    env_path = {"PATH": f"{s.bin}:/usr/sbin:/usr/bin:/sbin:/bin"}
    per_node = [unit for node in s.real_nodes for unit in node_units(s, node)]
    return [
        *per_node,
        Unit(
            name="kube-proxy",
            binary=s.bin / "kube-proxy",
            argv=[str(s.bin / "kube-proxy"), f"--config={s.node_dir / 'kube-proxy.json'}"],
            state_dir=s.dir,
            ready=lambda: _healthz(s.ports.proxy_healthz),
            ready_seconds=60,
            env=env_path,
        ),
        Unit(
            name="kube-router",
            binary=s.bin / "kube-router",
            argv=[str(s.bin / "kube-router"), *render.kube_router_args(s)],
            state_dir=s.dir,
            ready=lambda: _healthz(s.ports.policy_health),
            ready_seconds=60,
            env=env_path,
        ),
    ]


def start_addon(s: ClusterSettings, objects: list[dict[str, Any]], deployment: str) -> None:
    """Apply an add-on's objects and wait until its kube-system Deployment is available."""
    api = Api(s)
    for obj in objects:
        api.apply(obj)
    path = f"/apis/apps/v1/namespaces/kube-system/deployments/{deployment}"

    def available() -> bool:
        status = api.get(path).get("status", {})
        return int(status.get("availableReplicas") or 0) >= 1

    if not wait_until(available, 180):
        selector = api.get(path)["spec"]["selector"]["matchLabels"]
        query = ",".join(f"{k}%3D{v}" for k, v in selector.items())
        pods = api.get(f"/api/v1/namespaces/kube-system/pods?labelSelector={query}")
        states = [p.get("status", {}).get("containerStatuses") for p in pods.get("items", [])]
        raise RuntimeError(f"{deployment} not available within 180s: {json.dumps(states)[:1500]}")


def start_dns(s: ClusterSettings) -> None:
    """CoreDNS, from the image assembled here, Ready on the real node."""
    start_addon(s, render.coredns_objects(images.push(s, images.COREDNS)), "coredns")


def start_metrics(s: ClusterSettings) -> None:
    """metrics-server, and its APIService answering, so that autoscalers read pod CPU."""
    start_addon(s, metrics.objects(s, images.push(s, images.METRICS_SERVER)), "metrics-server")
    api = Api(s)

    def served() -> bool:
        service = api.get("/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io")
        conditions = service.get("status", {}).get("conditions", [])
        return any(c["type"] == "Available" and c["status"] == "True" for c in conditions)

    if not wait_until(served, 120):
        raise RuntimeError("the metrics API (v1beta1.metrics.k8s.io) is not available within 120s")


def real_node_names(api: Api) -> list[str]:
    """The cluster's kubelet nodes: every Node kwok does not simulate."""
    nodes = api.get("/api/v1/nodes")["items"]
    return [
        n["metadata"]["name"]
        for n in nodes
        if (n["metadata"].get("annotations") or {}).get("kwok.x-k8s.io/node") != "fake"
    ]


def evict_pods(s: ClusterSettings, seconds: float = 90) -> list[str]:
    """Stop every pod on the real nodes through the API, so that the kubelet stops each
    container (none may outlive its shim); a NoExecute taint keeps controllers from placing
    new ones there meanwhile."""
    try:
        api = Api(s, timeout=5)
        if not api.ready():
            return ["the API server does not answer: the node's containers are killed instead"]
        names = real_node_names(api)
    except (OSError, ApiError) as err:
        return [f"the node's pods were not deleted through the API ({err}): killed instead"]
    selectors = []
    for name in names:
        taints = api.get(f"/api/v1/nodes/{name}").get("spec", {}).get("taints") or []
        if DRAIN_TAINT not in taints:
            api.request(
                "PATCH",
                f"/api/v1/nodes/{name}",
                {"spec": {"unschedulable": True, "taints": [*taints, DRAIN_TAINT]}},
                "application/merge-patch+json",
            )
        selector = f"/api/v1/pods?fieldSelector=spec.nodeName%3D{name}"
        selectors.append(selector)
        for pod in api.get(selector)["items"]:
            meta = pod["metadata"]
            api.delete(f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}")

    def left() -> list[str]:
        return [
            f"{p['metadata']['namespace']}/{p['metadata']['name']}"
            for selector in selectors
            for p in api.get(selector)["items"]
        ]

    if wait_until(lambda: not left(), seconds, 1):
        return []
    return [f"pods still on the nodes after {seconds:.0f}s, killed instead: {left()}"]


def uncordon(s: ClusterSettings) -> None:
    """Undo a previous stop's cordon and taint: a Node object outlives its kubelet in etcd."""
    api = Api(s)
    for node in s.real_nodes:
        spec = api.get(f"/api/v1/nodes/{node.name}").get("spec", {})
        taints = spec.get("taints") or []
        if DRAIN_TAINT in taints or spec.get("unschedulable"):
            kept = [t for t in taints if t != DRAIN_TAINT]
            api.request(
                "PATCH",
                f"/api/v1/nodes/{node.name}",
                {"spec": {"unschedulable": None, "taints": kept}},
                "application/merge-patch+json",
            )


def cleanup_proxy_rules(s: ClusterSettings) -> None:
    """kube-proxy's own clean-up of the rules it wrote (iptables and nftables)."""
    subprocess.run(
        [str(s.bin / "kube-proxy"), "--cleanup", f"--config={s.node_dir / 'kube-proxy.json'}"],
        capture_output=True,
        check=False,
        timeout=60,
    )
