"""What the cluster needs from this machine, checked before anything starts: one message names
every missing piece (a kernel feature, a command, a built binary, a port in use), never a hang."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

from .settings import ClusterSettings

CONTROL_PLANE_BINARIES = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
)
NODE_BINARIES = (
    "kube-router",
    "containerd",
    "containerd-shim-runc-v2",
    "runc",
    "kubelet",
    "kube-proxy",
    "coredns",
    "gantry-pause",
    "crane",
)
NODE_COMMANDS = (
    "ipset",
    "unshare",
    "mount",
    "umount",
    "ip",
    "iptables",
    "iptables-save",
    "iptables-restore",
    "openssl",
)
CNI_PLUGINS = ("bridge", "host-local", "loopback", "portmap")


class PreflightError(RuntimeError):
    """The machine lacks what the cluster needs; the message lists every problem."""


def port_in_use(port: int, address: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except OSError:
            return True
    return False


def problems(s: ClusterSettings, running: set[str]) -> list[str]:
    """Everything missing; RUNNING names the units already up (their ports are theirs)."""
    found: list[str] = []
    binaries = CONTROL_PLANE_BINARIES + (NODE_BINARIES if s.with_node else ())
    missing = [b for b in binaries if not (s.bin / b).is_file()]
    if missing:
        found.append(
            f"not built: {', '.join(missing)} in {s.bin} (run scripts/bootstrap.sh cluster)"
        )
    if not shutil.which("openssl"):
        found.append("command not found: openssl (make apt-tools)")
    for what, port in s.ports.named(s.real_nodes).items():
        owner = what.split(" ")[0]  # the unit that listens there
        if owner in running:
            continue
        address = "0.0.0.0" if what == "kube-apiserver" and s.with_node else "127.0.0.1"  # noqa: S104
        if what.startswith("kubelet") and not what.endswith("healthz"):
            address = s.node_ip
        if port_in_use(port, address):
            found.append(f"port {port} ({what}) is already in use on {address}")
    if s.with_node:
        found += node_problems()
        found += other_nodes(s, running)
    return found


def other_nodes(s: ClusterSettings, running: set[str]) -> list[str]:
    """One real node per machine: a second would share the kubelet's ports, the bridge and
    the iptables chains, and its teardown would take the first one's with it."""
    found = []
    for name in ("kubelet", "containerd"):
        if name in running:
            continue
        binary = str(s.bin / name)
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if str((proc / "exe").readlink()) != binary:
                    continue
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            found.append(
                f"another local cluster's {name} runs on this machine (pid {proc.name}: "
                f"{cmdline[:160]}): stop that cluster first (scripts/local-cluster.sh stop "
                "with its GANTRY_CLUSTER_DIR)"
            )
    return found


def node_problems() -> list[str]:
    found: list[str] = []
    if os.geteuid() != 0:
        found.append(
            "the real node needs root (run as root, or with sudo); "
            "GANTRY_CLUSTER_NODE=none runs without it"
        )
    filesystems = Path("/proc/filesystems").read_text()
    if "overlay" not in filesystems:
        found.append("kernel feature missing: overlay filesystem (modprobe overlay)")
    if not (
        Path("/sys/fs/cgroup/memory").is_dir()
        or Path("/sys/fs/cgroup/cgroup.controllers").is_file()
    ):
        found.append("kernel feature missing: the memory cgroup controller is not mounted")
    missing = [c for c in NODE_COMMANDS if not shutil.which(c)]
    if missing:
        found.append(f"command not found: {', '.join(missing)} (make apt-tools)")
    plugins = [p for p in CNI_PLUGINS if not (Path("/usr/lib/cni") / p).is_file()]
    if plugins:
        found.append(
            f"CNI plugins missing in /usr/lib/cni: {', '.join(plugins)} "
            "(make apt-tools: containernetworking-plugins)"
        )
    return found
