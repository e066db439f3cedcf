"""Where the local cluster lives and how it is reached, read once from the environment."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Simulated and real addresses never overlap: the service range is data in the
# API server (kube-proxy turns it into rules), kwok's pod range is a blackhole
# route on the host, and the real node's pods live on their own bridge.
SERVICE_CIDR = "10.96.0.0/16"
API_SERVICE_IP = "10.96.0.1"
DNS_SERVICE_IP = "10.96.0.10"
SIMULATED_POD_CIDR = "10.244.0.0/16"
SIMULATED_NODE_IP = "10.244.0.1"
REAL_POD_CIDR = "10.85.0.0/24"
BRIDGE = "gantry0"
CLUSTER_DOMAIN = "cluster.local"
REAL_NODE = "gantry-node"
SIMULATED_NODES = (("gantry-amd64", "amd64", "local-a"), ("gantry-arm64", "arm64", "local-b"))
REAL_NODE_ZONE = "local-a"


class SettingsError(ValueError):
    """A setting from the environment is not usable; the message names it."""


def _port(environ: Mapping[str, str], key: str, default: int) -> int:
    raw = environ.get(key, str(default))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SettingsError(f"{key} must be a port number from 1 to 65535 (got {raw!r})")
    return int(raw)


def primary_ipv4() -> str:
    """The address of the interface that holds the default route: the node's InternalIP.

    Pods reach the API server there (a loopback address is the pod's own), and
    the kubelet refuses a loopback node IP. The look-up reads the routing table
    only; nothing is sent.
    """
    routes = json.loads(
        subprocess.run(
            ["ip", "-j", "-4", "route", "show", "default"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        or "[]"
    )
    if not routes:
        raise SettingsError(
            "no IPv4 default route: set GANTRY_NODE_IP to a non-loopback address of this machine"
        )
    device = routes[0]["dev"]
    addresses = json.loads(
        subprocess.run(
            ["ip", "-j", "-4", "addr", "show", "dev", device],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    for link in addresses:
        for info in link.get("addr_info", []):
            if info.get("family") == "inet" and info.get("scope") == "global":
                return str(info["local"])
    raise SettingsError(f"{device} has no global IPv4 address: set GANTRY_NODE_IP")


@dataclass(frozen=True)
class Ports:
    """Every TCP port the cluster listens on (with the node, the API server on every
    address and the kubelet on the node's; the rest on loopback)."""

    api: int = 6443
    etcd: int = 12379
    kubelet: int = 10250
    kubelet_healthz: int = 10248
    proxy_healthz: int = 10256
    proxy_metrics: int = 10249
    policy_health: int = 20244

    @property
    def etcd_peer(self) -> int:
        return self.etcd + 1

    def named(self, with_node: bool) -> dict[str, int]:
        """name -> port for the preflight check, the node's only when it runs."""
        ports = {"kube-apiserver": self.api, "etcd": self.etcd, "etcd peer": self.etcd_peer}
        if with_node:
            ports |= {
                "kubelet": self.kubelet,
                "kubelet healthz": self.kubelet_healthz,
                "kube-proxy healthz": self.proxy_healthz,
                "kube-proxy metrics": self.proxy_metrics,
                "kube-router health": self.policy_health,
            }
        return ports


@dataclass(frozen=True)
class ClusterSettings:
    """The cluster's directories, ports and addresses."""

    root: Path
    """The repository (scripts/ and toolchain/ live there)."""
    cache: Path
    dir: Path
    ports: Ports = field(default_factory=Ports)
    with_node: bool = True
    """Run the real node (containerd, kubelet, kube-proxy, DNS) beside kwok's."""
    node_ip: str = "127.0.0.1"
    registry: str = "127.0.0.1:5001"

    @property
    def bin(self) -> Path:
        return self.cache / "bin"

    @property
    def pki(self) -> Path:
        return self.dir / "pki"

    @property
    def node_dir(self) -> Path:
        return self.dir / "node"

    @property
    def kubelet_root(self) -> Path:
        return self.node_dir / "kubelet"

    @property
    def containerd_socket(self) -> Path:
        return self.node_dir / "containerd.sock"

    @property
    def server(self) -> str:
        """The URL clients on this machine use (the admin kubeconfig's)."""
        return f"https://127.0.0.1:{self.ports.api}"

    @property
    def admin_kubeconfig(self) -> Path:
        return self.dir / "kubeconfig"

    @classmethod
    def from_env(cls, environ: Mapping[str, str], root: Path) -> ClusterSettings:
        cache = Path(environ.get("GANTRY_CACHE") or Path.home() / ".cache" / "gantry")
        node = environ.get("GANTRY_CLUSTER_NODE", "real")
        if node not in ("real", "none"):
            raise SettingsError(f"GANTRY_CLUSTER_NODE must be 'real' or 'none' (got {node!r})")
        with_node = node == "real"
        api = _port(environ, "GANTRY_CLUSTER_PORT", 6443)
        etcd = _port(environ, "GANTRY_CLUSTER_ETCD_PORT", 12379)
        registry_port = _port(environ, "GANTRY_REGISTRY_PORT", 5001)
        return cls(
            root=root,
            cache=cache,
            dir=Path(environ.get("GANTRY_CLUSTER_DIR") or cache / "cluster"),
            ports=Ports(api=api, etcd=etcd),
            with_node=with_node,
            node_ip=(environ.get("GANTRY_NODE_IP") or primary_ipv4()) if with_node else "127.0.0.1",
            registry=f"127.0.0.1:{registry_port}",
        )
