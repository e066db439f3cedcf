"""The local cluster as an ordered list of steps: started in order, undone when a step fails,
stopped in reverse collecting every error instead of stopping at the first."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import controlplane, host, images, node, pki, render
from .api import Api
from .preflight import PreflightError, problems
from .process import Unit
from .settings import MAX_REAL_NODES, ClusterSettings


def log(message: str) -> None:
    print(f"[cluster] {message}", flush=True)


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[], None]
    undo: Callable[[], None] | None = None


def _units(s: ClusterSettings) -> list[Unit]:
    return controlplane.units(s) + (node.units(s) if s.with_node else [])


def _start_unit(unit: Unit) -> Callable[[], None]:
    def run() -> None:
        begin = time.monotonic()
        if unit.start():
            took = time.monotonic() - begin
            log(f"started {unit.name} (pid {unit.pid()}, log {unit.logfile}) in {took:.1f}s")

    return run


def _unit_step(unit: Unit) -> Step:
    def undo() -> None:
        unit.stop()

    return Step(unit.name, _start_unit(unit), undo)


def _registry(s: ClusterSettings, action: str) -> bool:
    """Run scripts/local-registry.sh ACTION for the cluster's registry; True when it succeeds."""
    env_port = s.registry.rsplit(":", 1)[1]
    done = subprocess.run(
        [
            "env",
            f"GANTRY_REGISTRY_PORT={env_port}",
            f"GANTRY_CACHE={s.cache}",
            str(s.root / "scripts" / "local-registry.sh"),
            action,
        ],
        check=False,
    )
    return done.returncode == 0


def _registry_step(s: ClusterSettings) -> Step:
    """Start the registry unless it answers; a failed start later stops it only if this run
    started it (make up starts it before the cluster, and keeps it)."""
    started: list[bool] = []

    def run() -> None:
        was_running = _registry(s, "status")
        if not _registry(s, "start"):
            raise RuntimeError(f"the registry on {s.registry} did not start")
        started.append(not was_running)

    def undo() -> None:
        if started and started[0]:
            _registry(s, "stop")

    return Step("registry", run, undo)


def steps(s: ClusterSettings) -> list[Step]:
    """The cluster's steps, from the settings: the node's only when it runs."""
    cp_units = controlplane.units(s)
    plan = [
        Step("certificates", lambda: pki.ensure(s)),
        Step("kubeconfigs", lambda: controlplane.kubeconfigs(s, os.environ)),
        *[_unit_step(u) for u in cp_units],
        Step("simulated nodes", lambda: controlplane.register_simulated_nodes(s)),
    ]
    if not s.with_node:
        return plan
    node_units = node.units(s)
    sandbox: list[str] = []
    record = node.host_record(s)
    return [
        *plan,
        _registry_step(s),
        Step("node images", lambda: sandbox.append(images.push(s, images.PAUSE))),
        Step(
            "host record",
            lambda: host.record(record),
            lambda: _report(host.restore(record, s.node_dir, s.bin)),
        ),
        Step("blackhole route for simulated pods", lambda: host.blackhole(True)),
        Step("node config", lambda: node.write_configs(s, sandbox[-1])),
        Step("kubelet roots and cgroup roots", lambda: node.prepare_nodes(s)),
        Step("policy enforcer's access", lambda: _apply(s, render.kube_router_rbac())),
        *[_unit_step(u) for u in node_units],
        Step("schedulable node", lambda: node.uncordon(s)),
        Step("cluster DNS", lambda: node.start_dns(s)),
        Step("metrics API", lambda: node.start_metrics(s)),
    ]


def _apply(s: ClusterSettings, objects: list[dict[str, Any]]) -> None:
    api = Api(s)
    for obj in objects:
        api.apply(obj)


def _report(errors: list[str]) -> None:
    for error in errors:
        log(f"warning: {error}")


def start(s: ClusterSettings) -> None:
    begin = time.monotonic()
    s.dir.mkdir(parents=True, exist_ok=True)
    (s.dir / "etcd").mkdir(exist_ok=True)
    if s.with_node:
        s.node_dir.mkdir(parents=True, exist_ok=True)
    running = {u.name for u in _units(s) if u.pid() is not None}
    found = problems(s, running)
    mode_file = s.dir / "node-mode"
    wanted = "real" if s.with_node else "none"
    if running and mode_file.exists() and mode_file.read_text().strip() != wanted:
        found.append(
            f"the cluster in {s.dir} runs with GANTRY_CLUSTER_NODE={mode_file.read_text().strip()},"
            f" not {wanted}: stop it first (make cluster-down)"
        )
    if found:
        raise PreflightError("cannot start the local cluster:\n  - " + "\n  - ".join(found))
    mode_file.write_text(wanted + "\n")
    done: list[Step] = []
    try:
        for step in steps(s):
            step.run()
            done.append(step)
    except BaseException:
        log("a step failed: undoing what this run started")
        for step in reversed(done):
            if step.undo is not None:
                try:
                    step.undo()
                except Exception as err:
                    log(f"warning: undo {step.name}: {err}")
        raise
    what = "control plane and real node" if s.with_node else "control plane (simulated nodes only)"
    took = time.monotonic() - begin
    log(f"ready in {took:.0f}s: {what}, {s.server}, kubeconfig {s.admin_kubeconfig}")


def stop(s: ClusterSettings) -> list[str]:
    """Stop everything this package started, the node first; returns every error."""
    errors: list[str] = []
    stopped: list[str] = []
    record = node.host_record(s)
    # Whatever it was started with: every real node this cluster could have.
    s = dataclasses.replace(s, real_node_count=MAX_REAL_NODES)
    node_present = record.exists() or any(u.pid() is not None for u in node.units(s))
    if node_present:
        for warning in node.evict_pods(s):
            log(f"warning: {warning}")
        for unit in reversed(node.units(s)):
            _stop(unit, stopped, errors)
        node.cleanup_proxy_rules(s)
        errors += host.restore(record, s.node_dir, s.bin)
    for unit in reversed(controlplane.units(s)):
        _stop(unit, stopped, errors)
    log(
        f"stopped: {', '.join(stopped)}"
        if stopped
        else "nothing to stop: no process started by this cluster"
    )
    return errors


def _stop(unit: Unit, stopped: list[str], errors: list[str]) -> None:
    try:
        pid = unit.stop()
        if pid is not None:
            stopped.append(f"{unit.name} (pid {pid})")
    except Exception as err:
        errors.append(f"stop {unit.name}: {err}")


def status(s: ClusterSettings) -> bool:
    try:
        return (s.pki / "admin.crt").exists() and Api(s, timeout=3).ready()
    except OSError:
        return False


def reach(s: ClusterSettings) -> list[str]:
    """How to reach each of gantry's Services from this machine: the ClusterIP, which
    kube-proxy routes to the real node's pods, or a port-forward through the API server."""
    lines: list[str] = []
    services = Api(s).get("/api/v1/services?labelSelector=app.kubernetes.io%2Fpart-of%3Dgantry")
    for svc in services["items"]:
        meta, spec = svc["metadata"], svc["spec"]
        ip, port = spec.get("clusterIP"), spec["ports"][0]["port"]
        if not ip or ip == "None":
            continue
        name = f"{meta['namespace']}/{meta['name']}"
        lines += [
            f"reach {name} from this machine: curl http://{ip}:{port}/api/v1/hello",
            f"  or: kubectl --kubeconfig {s.admin_kubeconfig} -n {meta['namespace']}"
            f" port-forward svc/{meta['name']} {port}:{port}",
        ]
    # The observability stack's APIs (their web UIs are not built here: docs/observability.md).
    apps = ",".join(STACK_APIS)
    for svc in Api(s).get(f"/api/v1/services?labelSelector=app+in+%28{apps}%29")["items"]:
        ip, port = svc["spec"].get("clusterIP"), svc["spec"]["ports"][0]["port"]
        if ip and ip != "None":
            name = f"{svc['metadata']['namespace']}/{svc['metadata']['name']}"
            lines.append(
                f"{name}: curl http://{ip}:{port}{STACK_APIS[svc['metadata']['labels']['app']]}"
            )
    return lines


STACK_APIS = {
    "kube-prometheus-stack-prometheus": "/api/v1/targets",
    "kube-prometheus-stack-alertmanager": "/api/v2/alerts",
}
"""kube-prometheus-stack's Services (by their `app` label) and an API path worth a first look."""
