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
REAL_POD_CIDR = "10.85.0.0/16"
"""Every real node's pods; node i takes 10.85.i.0/24 on its own bridge."""
CLUSTER_DOMAIN = "cluster.local"
REAL_NODE = "gantry-node"
SIMULATED_NODES = (("gantry-amd64", "amd64", "local-a"), ("gantry-arm64", "arm64", "local-b"))
MAX_REAL_NODES = 2


@dataclass(frozen=True)
class RealNode:
    """One kubelet of the local cluster, with its own containerd, bridge, pod range,
    root directory, ports and cgroup root: two can share this machine (and its address)."""

    index: int
    node_dir: Path

    @property
    def name(self) -> str:
        return REAL_NODE if self.index == 0 else f"{REAL_NODE}-{self.index + 1}"

    @property
    def dir(self) -> Path:
        return self.node_dir if self.index == 0 else self.node_dir / self.name

    @property
    def unit_suffix(self) -> str:
        """Appended to its units' names (containerd, kubelet): none for the first node."""
        return "" if self.index == 0 else f"-{self.index + 1}"

    @property
    def bridge(self) -> str:
        return f"gantry{self.index}"

    @property
    def pod_cidr(self) -> str:
        return f"10.85.{self.index}.0/24"

    @property
    def zone(self) -> str:
        return ("local-a", "local-b")[self.index]

    @property
    def kubelet_port(self) -> int:
        return 10250 + 10 * self.index

    @property
    def kubelet_healthz_port(self) -> int:
        return 10248 + 10 * self.index

    @property
    def cgroup_root(self) -> str:
        """The first node's pods under /kubepods; another's under a root of its own, or
        each kubelet would remove the other's pods as orphans."""
        return "/" if self.index == 0 else f"/{self.name}"

    @property
    def kubelet_root(self) -> Path:
        return self.dir / "kubelet"

    @property
    def containerd_socket(self) -> Path:
        return self.dir / "containerd.sock"


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
    proxy_healthz: int = 10256
    proxy_metrics: int = 10249
    policy_health: int = 20244

    @property
    def etcd_peer(self) -> int:
        return self.etcd + 1

    def named(self, nodes: tuple[RealNode, ...]) -> dict[str, int]:
        """name -> port for the preflight check, the real nodes' only when they run."""
        ports = {"kube-apiserver": self.api, "etcd": self.etcd, "etcd peer": self.etcd_peer}
        for node in nodes:
            ports |= {
                f"kubelet{node.unit_suffix}": node.kubelet_port,
                f"kubelet{node.unit_suffix} healthz": node.kubelet_healthz_port,
            }
        if nodes:
            ports |= {
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
    real_node_count: int = 1
    """How many real nodes (1, or 2 for a node drain that has somewhere to go)."""
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
    def real_nodes(self) -> tuple[RealNode, ...]:
        count = self.real_node_count if self.with_node else 0
        return tuple(RealNode(i, self.node_dir) for i in range(count))

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
        count = environ.get("GANTRY_CLUSTER_NODES", "1")
        if count not in {str(n) for n in range(1, MAX_REAL_NODES + 1)}:
            raise SettingsError(
                f"GANTRY_CLUSTER_NODES must be 1 to {MAX_REAL_NODES} real nodes (got {count!r})"
            )
        api = _port(environ, "GANTRY_CLUSTER_PORT", 6443)
        etcd = _port(environ, "GANTRY_CLUSTER_ETCD_PORT", 12379)
        registry_port = _port(environ, "GANTRY_REGISTRY_PORT", 5001)
        return cls(
            root=root,
            cache=cache,
            dir=Path(environ.get("GANTRY_CLUSTER_DIR") or cache / "cluster"),
            ports=Ports(api=api, etcd=etcd),
            with_node=with_node,
            real_node_count=int(count),
            node_ip=(environ.get("GANTRY_NODE_IP") or primary_ipv4()) if with_node else "127.0.0.1",
            registry=f"127.0.0.1:{registry_port}",
        )


def pinned_versions(versions_env: Path) -> dict[str, str]:
    """toolchain/versions.env (plain KEY=value lines, `#` comments) as a mapping: the pins
    scripts/bootstrap.sh sources, read where Python needs them too."""
    versions: dict[str, str] = {}
    for line in versions_env.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.lstrip().startswith("#"):
            versions[key.strip()] = value.strip()
    return versions
