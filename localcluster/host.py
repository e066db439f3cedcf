"""Every change the real node makes to this machine, and how each is undone.

The node changes the host in a few known ways: a bridge and veth pairs, a
blackhole route for kwok's simulated pod addresses, iptables chains (KUBE-*,
CNI-*), mounts under the node's directory, cgroups under kubepods, a few
host paths that containerd and the kubelet hard-code, and the bridge
plugin's `ip_forward`. `record` notes the host's state before the node
starts; `restore` removes each of those and puts back what was recorded.
`snapshot` is what the tests compare before and after.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .render import KERNEL_TUNABLES
from .settings import MAX_REAL_NODES, SIMULATED_POD_CIDR, RealNode

WATCHED_SYSCTLS = (
    *KERNEL_TUNABLES,
    "net/ipv4/ip_forward",
    "net/ipv4/conf/all/forwarding",
    "net/ipv4/conf/all/route_localnet",
    "net/ipv6/conf/all/forwarding",
    "net/bridge/bridge-nf-call-iptables",
    "net/bridge/bridge-nf-call-ip6tables",
    "net/netfilter/nf_conntrack_max",
    "net/netfilter/nf_conntrack_tcp_timeout_established",
    "net/netfilter/nf_conntrack_tcp_timeout_close_wait",
    "net/netfilter/nf_conntrack_udp_timeout",
    "net/netfilter/nf_conntrack_udp_timeout_stream",
)
"""Kernel settings the kubelet, kube-proxy, the CNI plugins or containerd are known to write."""

HOST_PATHS = (
    "/run/containerd",
    "/var/lib/containerd",
    "/opt/containerd",
    "/run/nri",
    "/var/lib/kubelet",
    "/var/log/containers",
    "/var/log/pods",
    "/var/lib/cni",
    "/run/netns",
    "/etc/cni",
    "/opt/cni",
    "/etc/kubernetes",
    "/usr/libexec/kubernetes",
    "/run/xtables.lock",
)
"""Paths outside the node's directory that its programs create when missing (shim sockets under
/run/containerd/s, the kubelet's device-plugin and pod-resources sockets under /var/lib/kubelet,
the container-log links under /var/log/containers, iptables' lock)."""

OUR_CHAIN = re.compile(r"\b(KUBE|CNI)-[A-Z0-9_-]+")
CGROUP_ROOT = Path("/sys/fs/cgroup")


def _run(*argv: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=check)


def read_sysctl(key: str) -> str | None:
    try:
        return (Path("/proc/sys") / key).read_text().strip()
    except OSError:
        return None


def write_sysctl(key: str, value: str) -> None:
    (Path("/proc/sys") / key).write_text(value + "\n")


# --- before and after -------------------------------------------------------------------


def record(path: Path) -> None:
    """Write the host's state before the node starts, unless a record is already there
    (a restart after a crash must not take the node's own changes for the host's)."""
    if path.exists():
        return
    state = {
        "sysctls": {key: read_sysctl(key) for key in WATCHED_SYSCTLS},
        "paths": [p for p in HOST_PATHS if Path(p).exists()],
        "nft_tables": nft_tables(),
    }
    path.write_text(json.dumps(state, indent=2) + "\n")


def restore(path: Path, node_dir: Path, bin_dir: Path) -> list[str]:
    """Undo everything the node did to the host; returns what failed (never stops early)."""
    errors: list[str] = []

    def attempt(what: str, action: Any, *args: Any) -> None:
        try:
            action(*args)
        except Exception as err:
            errors.append(f"{what}: {err}")

    attempt("kill the shims", kill_exes, [bin_dir / "containerd-shim-runc-v2"])
    nodes = [RealNode(i, node_dir) for i in range(MAX_REAL_NODES)]
    cgroups = ["kubepods", *(n.cgroup_root.strip("/") for n in nodes if n.cgroup_root != "/")]
    for tree in cgroups:
        attempt(f"kill the containers in {tree}", kill_cgroup_tree, tree)
    attempt("unmount the node's mounts", unmount_under, [node_dir, Path("/run/containerd")])
    for tree in cgroups:
        attempt(f"remove the {tree} cgroups", remove_cgroup_tree, tree)
    for n in nodes:
        attempt(f"delete the bridge {n.bridge}", delete_link, n.bridge)
    attempt("remove the iptables chains", remove_chains)
    attempt("destroy the policy ipsets", destroy_ipsets)
    attempt("remove the blackhole route", blackhole, False)
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        state = None
    if state is not None:
        for key, value in state["sysctls"].items():
            if value is not None and read_sysctl(key) != value:
                attempt(f"restore {key}", write_sysctl, key, value)
        for p in HOST_PATHS:
            if p not in state["paths"]:
                attempt(f"remove {p}", remove_path, Path(p))
        attempt("remove the empty netfilter tables", remove_new_empty_tables, state["nft_tables"])
        if not errors:
            path.unlink()
    return errors


# --- the individual changes -------------------------------------------------------------


def blackhole(present: bool) -> None:
    """kwok's pod addresses exist only as data: a local blackhole route keeps anything
    addressed to them (a Service with simulated endpoints, a scrape) on this machine."""
    routes = _run("ip", "-4", "route", "show", "type", "blackhole", SIMULATED_POD_CIDR).stdout
    if present and not routes.strip():
        _run("ip", "route", "add", "blackhole", SIMULATED_POD_CIDR, check=True)
    elif not present and routes.strip():
        _run("ip", "route", "del", "blackhole", SIMULATED_POD_CIDR, check=True)


def kill_exes(binaries: Iterable[Path]) -> None:
    wanted = {str(b) for b in binaries}
    for pid in _pids():
        try:
            if str(Path(f"/proc/{pid}/exe").readlink()) in wanted:
                os.kill(pid, signal.SIGKILL)
        except OSError:
            continue


def _pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _cgroup_dirs(name: str) -> list[Path]:
    """Every directory of the NAME tree in every cgroup hierarchy, deepest first."""
    found: list[Path] = []
    if not CGROUP_ROOT.is_dir():
        return found
    # cgroup v1: one hierarchy per controller; v2: the unified tree itself.
    for hierarchy in [CGROUP_ROOT, *CGROUP_ROOT.iterdir()]:
        top = hierarchy / name
        if top.is_dir():
            found += [Path(d) for d, _, _ in os.walk(top)]
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def make_cgroup(name: str) -> None:
    """Create cgroup NAME in every hierarchy (a kubelet's cgroupRoot must exist)."""
    if (CGROUP_ROOT / "cgroup.controllers").is_file():
        (CGROUP_ROOT / name).mkdir(exist_ok=True)
        return
    for hierarchy in CGROUP_ROOT.iterdir():
        if hierarchy.is_dir() and not hierarchy.is_symlink():
            (hierarchy / name).mkdir(exist_ok=True)


def kill_cgroup_tree(name: str) -> None:
    """Killing a shim leaves its containers running under init: kill what is left in
    the pods' cgroups."""
    for directory in _cgroup_dirs(name):
        procs = directory / "cgroup.procs"
        try:
            pids = [int(p) for p in procs.read_text().split()]
        except OSError:
            continue
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def remove_cgroup_tree(name: str) -> None:
    for directory in _cgroup_dirs(name):
        with contextlib.suppress(FileNotFoundError):
            directory.rmdir()


def mounts_under(prefixes: Iterable[Path]) -> list[str]:
    """Mount points at or under PREFIXES, deepest first (from this namespace's mountinfo)."""
    roots = [str(p).rstrip("/") for p in prefixes]
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].replace("\\040", " ")
        if any(point == r or point.startswith(r + "/") for r in roots):
            points.append(point)
    return sorted(set(points), key=lambda p: p.count("/"), reverse=True)


def unmount_under(prefixes: Iterable[Path]) -> None:
    prefixes = list(prefixes)
    for _ in range(5):  # stacked mounts (a bind over a bind) come off one layer a round
        points = mounts_under(prefixes)
        if not points:
            return
        for point in points:
            if _run("umount", point).returncode != 0:
                _run("umount", "-l", point)
    left = mounts_under(prefixes)
    if left:
        raise RuntimeError(f"still mounted: {left}")


def delete_link(name: str) -> None:
    if _run("ip", "link", "show", name).returncode == 0:
        _run("ip", "link", "del", name, check=True)


def remove_chains() -> None:
    """Drop every KUBE-* and CNI-* chain and every rule that names one, table by table.

    kube-proxy's own `--cleanup` runs first (node.py); this removes what it
    leaves (the kubelet's KUBE-FIREWALL and canaries, the bridge plugin's CNI-*)
    in one atomic restore per family, leaving every other rule as it was.
    """
    for save, restore_cmd in (
        ("iptables-save", "iptables-restore"),
        ("ip6tables-save", "ip6tables-restore"),
    ):
        dump = _run(save)
        if dump.returncode != 0 or not OUR_CHAIN.search(dump.stdout):
            continue
        subprocess.run(
            [restore_cmd],
            input=without_our_chains(dump.stdout),
            text=True,
            check=True,
            capture_output=True,
        )


OUR_IPSET = re.compile(r"^(KUBE-|kube-router-)")


def ipsets() -> list[str]:
    listed = _run("ipset", "list", "-n")
    return sorted(n for n in listed.stdout.split() if listed.returncode == 0)


def destroy_ipsets() -> None:
    """kube-router's sets outlive it (its --cleanup-config cleans nothing in v2.1.0, upstream
    #1649); each is destroyed once no rule refers to it."""
    for name in ipsets():
        if OUR_IPSET.match(name):
            _run("ipset", "destroy", name, check=True)


def without_our_chains(dump: str) -> str:
    """An iptables-save dump less every KUBE-*/CNI-* chain and every rule that names one."""
    return "\n".join(line for line in dump.splitlines() if not OUR_CHAIN.search(line)) + "\n"


def nft_tables() -> list[str]:
    """`family name` of every nftables table (iptables-nft keeps its tables there)."""
    listed = _run("nft", "list", "tables")
    if listed.returncode != 0:
        return []
    return sorted(line.removeprefix("table ").strip() for line in listed.stdout.splitlines())


def holds_nothing(listing: str) -> bool:
    """True when an `nft list table` listing has chains without a rule, set or map."""
    for line in listing.splitlines():
        text = line.strip()
        if text and text != "}" and not text.startswith(("table ", "chain ", "type ")):
            return False
    return True


def remove_new_empty_tables(before: list[str]) -> None:
    """iptables creates its built-in tables on first use; once our chains are gone they are
    empty, and a host that had none gets none back."""
    for table in nft_tables():
        if table not in before and holds_nothing(
            _run("nft", "list", "table", *table.split()).stdout
        ):
            _run("nft", "delete", "table", *table.split(), check=True)


def remove_path(path: Path) -> None:
    if path.is_symlink() or path.is_file() or path.is_socket():
        path.unlink()
    elif path.is_dir():
        _run("rm", "-rf", "--one-file-system", str(path), check=True)


# --- what the tests compare -----------------------------------------------------------


def snapshot(bin_dir: Path, cluster_dir: Path) -> dict[str, Any]:
    """The host's state as far as the node could change it: the processes of this cluster
    (the cluster's binaries naming its directory, containers in the kubepods cgroups), mounts,
    interfaces, routes, iptables and nftables rules, ipsets, watched sysctls and host paths."""
    processes = []
    for pid in _pids():
        proc = Path(f"/proc/{pid}")
        try:
            exe = str((proc / "exe").readlink())
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if exe.startswith(str(bin_dir) + "/") and str(cluster_dir) in cmdline:
            processes.append(exe)
    trees = ["kubepods", *(RealNode(i, cluster_dir).name for i in range(1, MAX_REAL_NODES))]
    containers = [str(d) for tree in trees for d in _cgroup_dirs(tree)]
    mounts = sorted(
        f"{line.split()[4]} {line.split(' - ')[1].split()[0]}"
        for line in Path("/proc/self/mountinfo").read_text().splitlines()
    )
    counters = re.compile(r"\[\d+:\d+\]")
    rules = {}
    for save in ("iptables-save", "ip6tables-save"):
        dump = _run(save).stdout
        rules[save] = sorted(
            counters.sub("", line).strip()
            for line in dump.splitlines()
            if line and not line.startswith("#")
        )
    nft = _run("nft", "list", "ruleset")
    return {
        "processes": sorted(processes),
        "kubepods cgroups": sorted(containers),
        "mounts": mounts,
        "links": sorted(
            line.split(":")[1].strip().split("@")[0]
            for line in _run("ip", "-o", "link", "show").stdout.splitlines()
        ),
        "routes": sorted(_run("ip", "route", "show", "table", "all").stdout.splitlines()),
        "iptables": rules,
        "nftables": nft.stdout if nft.returncode == 0 else f"(nft: {nft.stderr.strip()})",
        "ipsets": ipsets(),
        "sysctls": {key: read_sysctl(key) for key in WATCHED_SYSCTLS},
        "paths": sorted(p for p in HOST_PATHS if Path(p).exists()),
    }
