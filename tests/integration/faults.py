"""What the fault-injection tests need besides the engine: a driver they can interrupt at a
chosen step, and the questions they ask afterwards (which processes survived, which objects
the cluster holds that the state does not, and the reverse).

Processes are recognised by a marker variable in the driver's environment,
which the CLI, its plugins and the watchdog inherit: nothing else on the
machine (another test's cluster, a developer's shell) can match it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes import client, dynamic

ROOT = Path(__file__).resolve().parents[2]
STEP = re.compile(r"^  (\+|~|-|\+-|\+\+|--)\s+(create|update|delete|replace)")
PULUMI_MANAGER = "pulumi-kubernetes"
MARKER = "GANTRY_FAULT_RUN"


@dataclass
class Run:
    """One driver command: its exit code, its whole output, at which step it was acted on."""

    argv: list[str]
    code: int | None = None
    output: list[str] = field(default_factory=list)
    acted_at_step: int | None = None
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(self.output)


Action = Callable[["subprocess.Popen[str]"], None]


def send(signum: int) -> Action:
    """The action that signals the driver itself."""
    return lambda process: process.send_signal(signum)


def driver(
    env: dict[str, str],
    args: list[str],
    *,
    timeout: float = 900,
    action: Action | None = None,
    at_step: int = 1,
    delay: float = 0.0,
    step_of: str = "",
) -> Run:
    """Run `python -m gantry.driver ARGS`; with `action`, do it once the driver has printed
    `at_step` step lines (of those naming `step_of`), `delay` seconds later (never, if the
    driver ends first)."""
    argv = [sys.executable, "-m", "gantry.driver", *args]
    run = Run(argv=argv)
    started = time.monotonic()
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    steps = threading.Semaphore(0)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            run.output.append(line.rstrip())
            if STEP.match(line) and step_of in line:
                steps.release()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if action is not None:
            _act_at(process, steps, action, (at_step, delay), run)
        process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=30)
    run.code = process.returncode
    run.seconds = time.monotonic() - started
    return run


def _act_at(
    process: subprocess.Popen[str],
    steps: threading.Semaphore,
    action: Action,
    when: tuple[int, float],
    run: Run,
) -> None:
    at_step, delay = when
    seen = 0
    while seen < at_step and process.poll() is None:
        if steps.acquire(timeout=0.2):
            seen += 1
    if process.poll() is not None:
        return
    time.sleep(delay)
    if process.poll() is None:
        run.acted_at_step = seen
        action(process)


def survivors(marker: str) -> list[str]:
    """`pid command` of every process whose environment holds `MARKER=marker`."""
    wanted = f"{MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append(f"{entry.name} {command.strip()}")
        except OSError:
            continue
    return found


def wait_for(check: Callable[[], Any], seconds: float) -> Any:
    """The first truthy value of `check()` within `seconds`, else its last value."""
    deadline = time.monotonic() + seconds
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(0.25)
        value = check()
    return value


ObjectKey = tuple[str, str, str, str]  # group, kind, namespace, name


def cluster_objects(api: client.ApiClient) -> set[ObjectKey]:
    """Every object the Kubernetes provider applied (its field manager is on it)."""
    found: set[ObjectKey] = set()
    for resource in dynamic.DynamicClient(api).resources.search():
        listable = "list" in (resource.verbs or []) and "/" not in resource.name
        if not (resource.preferred and listable) or resource.kind.endswith("List"):
            continue
        for item in resource.get().items:
            managers = [str(m.manager) for m in item.metadata.managedFields or []]
            if any(m.startswith(PULUMI_MANAGER) for m in managers):
                key = (
                    resource.group,
                    resource.kind,
                    item.metadata.namespace or "",
                    item.metadata.name,
                )
                found.add(key)
    return found


def state_objects(state: dict[str, Any]) -> set[ObjectKey]:
    """Every Kubernetes object the exported state holds."""
    found: set[ObjectKey] = set()
    for resource in state["deployment"].get("resources") or []:
        kind = str(resource["type"])
        if not kind.startswith("kubernetes:") or not resource.get("custom"):
            continue
        api_version, _, name = kind.removeprefix("kubernetes:").rpartition(":")
        group = api_version.rpartition("/")[0]
        metadata = (resource.get("outputs") or {}).get("metadata") or {}
        found.add(
            (
                "" if group == "core" else group,
                name,
                metadata.get("namespace") or "",
                metadata.get("name") or str(resource["id"]).rpartition("/")[2],
            )
        )
    return found


def pending(state: dict[str, Any]) -> list[str]:
    return [
        f"{op['type']} {op['resource']['urn']}"
        for op in state["deployment"].get("pending_operations") or []
    ]


def export(pulumi: Path, env: dict[str, str], stack: str) -> dict[str, Any]:
    done = subprocess.run(
        [str(pulumi), "--non-interactive", "stack", "export", "--stack", stack],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    state: dict[str, Any] = json.loads(done.stdout)
    return state


def kill_pid_file(path: Path, signum: int = signal.SIGKILL) -> Action:
    """The action that stops the process a pid file names (an API server, a registry)."""

    def kill(_: subprocess.Popen[str]) -> None:
        os.kill(int(path.read_text().strip()), signum)

    return kill
