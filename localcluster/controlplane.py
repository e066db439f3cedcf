"""The control plane's units: etcd, the API server, the controllers, the scheduler, kwok."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from . import pki, render
from .api import Api
from .process import Unit
from .settings import SIMULATED_NODES, ClusterSettings


def _etcd_healthy(s: ClusterSettings) -> bool:
    url = f"http://127.0.0.1:{s.ports.etcd}/health"
    with urllib.request.urlopen(url, timeout=2) as resp:
        return b'"health":"true"' in resp.read()


def write_kubeconfig(s: ClusterSettings, name: str, path: Path, server: str | None = None) -> None:
    ca, cert, key = pki.client_files(s, name)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(render.kubeconfig(server or s.server, ca, cert, key, name))
    tmp.chmod(0o600)
    tmp.replace(path)


def kubeconfigs(s: ClusterSettings, environ: Mapping[str, str]) -> None:
    write_kubeconfig(s, "admin", s.admin_kubeconfig)
    # Started through sudo (scripts/local-cluster.sh): the admin kubeconfig is the caller's.
    if environ.get("SUDO_UID", "").isdigit() and environ.get("SUDO_GID", "").isdigit():
        os.chown(s.admin_kubeconfig, int(environ["SUDO_UID"]), int(environ["SUDO_GID"]))
    for name in ("controller-manager", "scheduler", "kwok"):
        write_kubeconfig(s, name, s.dir / f"{name}.kubeconfig")


def units(s: ClusterSettings) -> list[Unit]:
    """In start order; stopped in reverse."""
    api = Api(s, timeout=3)

    def unit(
        name: str, args: list[str], ready: Callable[[], bool] = lambda: True, seconds: float = 60
    ) -> Unit:
        binary = s.bin / name
        return Unit(name, binary, [str(binary), *args], s.dir, ready=ready, ready_seconds=seconds)

    stages = s.cache / "kwok" / "stages.yaml"
    return [
        unit("etcd", render.etcd_args(s), lambda: _etcd_healthy(s), 30),
        unit("kube-apiserver", render.apiserver_args(s), api.ready, 120),
        unit("kube-controller-manager", render.controller_manager_args(s)),
        unit("kube-scheduler", render.scheduler_args(s)),
        unit("kwok", render.kwok_args(s, stages)),
    ]


def register_simulated_nodes(s: ClusterSettings) -> None:
    api = Api(s)
    for name, arch, zone in SIMULATED_NODES:
        api.apply(render.simulated_node(name, arch, zone))


def node_ready(api: Api, name: str) -> bool:
    node = api.get(f"/api/v1/nodes/{name}")
    return any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in node.get("status", {}).get("conditions", [])
    )
