"""Fault injection: an interrupted or failed `up` never strands the stack (issue 26).

Against the real engine, the policy pack and a throwaway control plane with
kwok's simulated nodes (nodes: simulated; no real node, so no fixed port is
shared with anything else), on a registry and a file backend of this test
alone. `up` is interrupted with SIGINT, SIGTERM and SIGKILL at seeded random
steps, from an empty stack and from a stack being updated; after each, one
more `up` must converge: exit 0, no pending operation, exactly the objects
the state holds in the cluster, no process of the run left, no secret in
plaintext in the state or the logs. Then the outages: a second `up` while
one runs, the API server stopped mid-update, the registry down and emptied.

GANTRY_FAULT_SEED picks other points (default 26); the figures are printed
at the end of the module and written to GANTRY_FAULT_REPORT when it is set.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from gantry_policies.config import render
from gantry_policies.stack_settings import settings_for
from kubernetes import client, config

from gantry.driver.stack import load_config
from gantry.driver.toolchain import LOCAL_PASSPHRASE

from .conftest import CACHE, ROOT, SCRIPTS, free_port, run, throwaway_stack_env
from .faults import (
    MARKER,
    Run,
    cluster_objects,
    driver,
    export,
    kill_pid_file,
    pending,
    send,
    state_objects,
    survivors,
    wait_for,
)

pytestmark = pytest.mark.integration

SEED = int(os.environ.get("GANTRY_FAULT_SEED", "26"))
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)
# What the driver exits with when a signal found it running (SIGKILL: the shell's 128+9).
INTERRUPTED = {signal.SIGINT: 5, signal.SIGTERM: 5, signal.SIGKILL: -signal.SIGKILL}
CREATES_FROM_EMPTY = 15
UPDATE_STEPS = 2  # the Deployment (its pods' log level) and its autoscaler
ATTEMPTS = 3
UP_TIMEOUT = 240


@dataclass
class Figures:
    """What the fault runs found, for docs/toolchain.md."""

    seed: int = SEED
    runs: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "runs": len(self.runs),
            "signalled": sum(r["signalled_at_step"] is not None for r in self.runs),
            "converged": sum(r["converged"] for r in self.runs),
            "orphans": sum(r["orphans"] for r in self.runs),
            "missing": sum(r["missing"] for r in self.runs),
            "pending_left": sum(r["pending_left"] for r in self.runs),
            "details": self.runs,
        }


@dataclass
class Lab:
    """The throwaway stack: its environment, its two configs, its cluster and registry."""

    env: dict[str, str]
    tmp: Path
    configs: dict[str, Path]
    pack_config: Path
    api: client.ApiClient
    registry_env: dict[str, str]
    registry: str
    logs: list[str] = field(default_factory=list)
    current: str = "a"
    figures: Figures = field(default_factory=Figures)

    def stack_args(self, which: str) -> list[str]:
        """The stack, config `which` (a or b) and the pack config this test generated."""
        config_file, pack = str(self.configs[which]), str(self.pack_config)
        return ["--stack", "local", "--config-file", config_file, "--pack-config", pack]

    def up(self, which: str, **interrupt: Any) -> Run:
        marker = uuid.uuid4().hex
        args = ["up", *self.stack_args(which)]
        # A hung run fails the test in minutes, not after the provider's 10-minute wait.
        done = driver({**self.env, MARKER: marker}, args, timeout=UP_TIMEOUT, **interrupt)
        self.logs.append(done.text)
        (self.tmp / f"up-{len(self.logs):02d}.log").write_text(done.text + "\n")
        leftovers = wait_for(lambda: not survivors(marker), 20) or survivors(marker)
        assert leftovers is True, f"processes of the run survived it: {leftovers}"
        return done

    def destroy(self) -> None:
        done = driver(
            self.env, ["destroy", "--stack", "local", "--config-file", str(self.configs["a"])]
        )
        assert done.code == 0, done.text[-6000:]

    def state(self) -> dict[str, Any]:
        return export(
            CACHE / "bin" / "pulumi",
            {**self.env, "PULUMI_CONFIG_PASSPHRASE": LOCAL_PASSPHRASE},
            "local",
        )

    def converged(self) -> tuple[set[Any], set[Any], list[str]]:
        """(orphans: in the cluster only, missing: in the state only, pending operations)."""
        state = self.state()
        in_state, in_cluster = state_objects(state), cluster_objects(self.api)
        return in_cluster - in_state, in_state - in_cluster, pending(state)


def _stack_file(tmp: Path, registry: str, replicas: dict[str, int] | None) -> Path:
    document = yaml.safe_load((ROOT / "Pulumi.local.yaml").read_text())
    (target,) = document["config"]["gantry:targets"]
    target.update({"nodes": "simulated", "registry": registry})
    target.pop("kubeconfig", None)
    # The faults are injected into the service's rollout: the observability charts would
    # only lengthen every one of the thirty runs (they are proven in test_local_stack).
    document["config"]["gantry:observability"] = {"enabled": False}
    if replicas:  # the autoscaler's range, and the pod template (a rollout) through the log level
        document["config"]["gantry:service"] = {"replicas": replicas, "log_level": "debug"}
    path = tmp / f"Pulumi.local.{'b' if replicas else 'a'}.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture(scope="module")
def lab(engine_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    tmp = tmp_path_factory.mktemp("interrupted-up")
    registry_port = free_port()
    env = {
        **throwaway_stack_env(engine_env, tmp),
        "GANTRY_CLUSTER_NODE": "none",
        "GANTRY_REGISTRY_PORT": str(registry_port),
        "GANTRY_BASE_REF_FILE": str(tmp / "base.ref"),
    }
    # The registry keeps its storage here, so that the test can empty it.
    registry_env = {**env, "GANTRY_CACHE": str(tmp / "registry-cache")}
    registry = f"127.0.0.1:{registry_port}"
    try:
        run([str(SCRIPTS / "local-registry.sh"), "start"], registry_env)
        env["GANTRY_KO_BASE_IMAGE"] = run([str(SCRIPTS / "base-image.sh")], env).strip()
        run([str(SCRIPTS / "local-cluster.sh"), "start"], env)
        configs = {
            "a": _stack_file(tmp, registry, None),
            "b": _stack_file(tmp, registry, {"min": 2, "max": 3}),
        }
        pack_config = tmp / "pack-config.json"
        pack_config.write_text(render(settings_for(load_config(ROOT, "local", configs["a"]))))
        api = config.new_client_from_config(config_file=str(tmp / "cluster" / "kubeconfig"))
        yield Lab(env, tmp, configs, pack_config, api, registry_env, registry)
    finally:
        subprocess.run(
            [str(SCRIPTS / "local-cluster.sh"), "reset"], env=env, check=False, timeout=180
        )
        subprocess.run(
            [str(SCRIPTS / "local-registry.sh"), "stop"], env=registry_env, check=False, timeout=60
        )


def _point(rng: random.Random, start: str) -> tuple[int, float]:
    """(step, delay): after which step line the signal goes, and how long after it. An
    update has few steps and is over in seconds, so its delays are short."""
    if start == "empty":
        return rng.randint(1, CREATES_FROM_EMPTY), round(rng.uniform(0.0, 2.5), 2)
    return rng.randint(1, UPDATE_STEPS), round(rng.uniform(0.0, 0.8), 2)


def _interrupt_then_up(lab: Lab, start: str, signum: signal.Signals, rng: random.Random) -> Run:
    """One fault run: the stack emptied or given the other config, `up` interrupted at a
    seeded point, then `up` once more and the checks; returns the interrupted run."""
    if start == "empty":
        lab.destroy()
        lab.current = "a"
    else:
        lab.current = "b" if lab.current == "a" else "a"
    step, delay = _point(rng, start)
    interrupted = lab.up(lab.current, action=send(signum), at_step=step, delay=delay)
    if interrupted.acted_at_step is not None:
        assert interrupted.code == INTERRUPTED[signum], interrupted.text[-6000:]
    again = lab.up(lab.current)
    orphans, missing, left = lab.converged()
    lab.figures.runs.append(
        {
            "start": start,
            "signal": signum.name,
            "at_step": step,
            "delay": delay,
            "signalled_at_step": interrupted.acted_at_step,
            "interrupted_exit": interrupted.code,
            "interrupted_seconds": round(interrupted.seconds, 1),
            "recovered": [line.strip() for line in again.output if line.startswith("==> pending")],
            "final_exit": again.code,
            "final_seconds": round(again.seconds, 1),
            "converged": again.code == 0 and not orphans and not missing and not left,
            "orphans": len(orphans),
            "missing": len(missing),
            "pending_left": len(left),
        }
    )
    assert again.code == 0, f"{interrupted.text[-4000:]}\n---\n{again.text[-4000:]}"
    assert (orphans, missing, left) == (set(), set(), []), lab.figures.runs[-1]
    return interrupted


def test_every_interrupted_up_converges_on_the_next(lab: Lab) -> None:
    first = lab.up("a")
    assert first.code == 0, first.text[-6000:]
    rng = random.Random(SEED)  # noqa: S311 - seeded fault points, not a secret
    missed = []
    for start in ("empty", "update"):
        for signum in SIGNALS:
            # A run that ends before its signal still has to converge; then another point.
            for _ in range(ATTEMPTS):
                if _interrupt_then_up(lab, start, signum, rng).acted_at_step is not None:
                    break
            else:
                missed.append(f"{start} {signum.name}")
    report = lab.figures.summary()
    print(json.dumps({k: v for k, v in report.items() if k != "details"}))
    if path := os.environ.get("GANTRY_FAULT_REPORT"):
        Path(path).write_text(json.dumps(report, indent=2) + "\n")
    assert missed == [], f"never interrupted while the engine ran: {missed}"
    assert report["signalled"] >= 6
    preview = driver(lab.env, ["preview", *lab.stack_args(lab.current), "--expect-no-changes"])
    assert preview.code == 0, preview.text[-6000:]
    assert "pending operations" not in preview.text


def test_no_secret_in_plaintext_in_the_state_or_the_logs(lab: Lab) -> None:
    kubeconfig = yaml.safe_load((lab.tmp / "cluster" / "kubeconfig").read_text())
    client_key = kubeconfig["users"][0]["user"]["client-key-data"]
    secrets = [client_key, base64.b64decode(client_key).decode()]
    state = json.dumps(lab.state())
    logs = "\n".join(lab.logs)
    assert lab.logs, "the fault runs wrote logs"
    for secret in secrets:
        assert secret not in state, "a secret in plaintext in the state"
        assert secret not in logs, "a secret in plaintext in a driver log"


def test_a_second_up_is_refused_naming_the_first_which_finishes(lab: Lab) -> None:
    other = "b" if lab.current == "a" else "a"
    seconds: list[Run] = []
    # The second `up` starts once the first is changing objects, and runs to its end.
    first = lab.up(other, action=lambda _: seconds.append(lab.up(other)), at_step=1)
    assert first.acted_at_step == 1, first.text[-6000:]
    (second,) = seconds
    assert second.code == 6, second.text[-4000:]
    assert "is in use by `python -m gantry.driver up --stack local`" in second.text, second.text
    assert first.code == 0, first.text[-6000:]
    lab.current = other
    assert lab.converged() == (set(), set(), [])


def test_the_api_server_stopping_mid_update_fails_fast_naming_it_and_up_converges_after(
    lab: Lab,
) -> None:
    other = "b" if lab.current == "a" else "a"
    server = f"https://127.0.0.1:{lab.env['GANTRY_CLUSTER_PORT']}"
    stop_api_server = kill_pid_file(lab.tmp / "cluster" / "kube-apiserver.pid")
    # While the provider waits for the Deployment's rollout: it would wait 10 minutes.
    outage = lab.up(other, action=stop_api_server, step_of="Deployment")
    assert outage.acted_at_step == 1, outage.text[-6000:]
    assert outage.code == 1, outage.text[-6000:]
    assert outage.seconds < 90, f"took {outage.seconds:.0f}s"
    summary = [line for line in outage.output if line.startswith("error: ")]
    # One message, naming the endpoint: the watch's (the provider was waiting) or, when the
    # provider failed at once, the check that follows a failure.
    assert len(summary) == 1, outage.text[-6000:]
    assert summary[0].startswith(f"error: the Kubernetes API server of target 'local' at {server}")
    assert "(connection refused)" in summary[0]
    run([str(SCRIPTS / "local-cluster.sh"), "start"], lab.env)
    again = lab.up(other)
    assert again.code == 0, again.text[-6000:]
    lab.current = other
    assert lab.converged() == (set(), set(), [])


def test_a_frozen_api_server_is_given_up_on_within_the_watch_and_the_grace(lab: Lab) -> None:
    """SIGSTOP: the server accepts connections and never answers, as across a partition;
    the provider's calls would hang. The watch gives up after 20 s, the cancel after 30."""
    other = "b" if lab.current == "a" else "a"
    server = f"https://127.0.0.1:{lab.env['GANTRY_CLUSTER_PORT']}"
    pid = int((lab.tmp / "cluster" / "kube-apiserver.pid").read_text().strip())
    try:
        frozen = lab.up(other, action=lambda _: os.kill(pid, signal.SIGSTOP), step_of="Deployment")
    finally:
        os.kill(pid, signal.SIGCONT)
    # Bringing it back: after a minute frozen, the controller manager's caches can stay
    # stale (a rollout that never completes), so the control plane starts afresh.
    run([str(SCRIPTS / "local-cluster.sh"), "stop"], lab.env)
    run([str(SCRIPTS / "local-cluster.sh"), "start"], lab.env)
    assert frozen.acted_at_step == 1, frozen.text[-6000:]
    assert frozen.code == 1, frozen.text[-6000:]
    assert frozen.seconds < 90, f"took {frozen.seconds:.0f}s"
    summary = [line for line in frozen.output if line.startswith("error: ")]
    assert summary == [
        f"error: the Kubernetes API server of target 'local' at {server} stopped answering "
        "(no answer within 3s) for 20s, so the run was cancelled; bring it back (the local "
        "control plane: `make cluster`) and run `up` again"
    ], frozen.text[-6000:]
    again = lab.up(other)
    assert again.code == 0, again.text[-6000:]
    lab.current = other
    assert lab.converged() == (set(), set(), [])


def _deployed_image(lab: Lab) -> str:
    deployment = client.AppsV1Api(lab.api).read_namespaced_deployment("hello", "hello")
    (container,) = deployment.spec.template.spec.containers
    return str(container.image)


def test_a_registry_that_is_down_or_lost_its_image_never_gets_a_stale_digest_deployed(
    lab: Lab,
) -> None:
    deployed = _deployed_image(lab)
    run([str(SCRIPTS / "local-registry.sh"), "stop"], lab.registry_env)
    down = lab.up(lab.current)
    assert down.code == 1, down.text[-6000:]
    assert f"the registry {lab.registry} does not answer" in down.text, down.text[-6000:]
    assert _deployed_image(lab) == deployed
    # Back, but empty: the digest in the state is gone from it, so the image is built again.
    shutil.rmtree(Path(lab.registry_env["GANTRY_CACHE"]) / "registry" / "storage")
    run([str(SCRIPTS / "local-registry.sh"), "start"], lab.registry_env)
    run([str(SCRIPTS / "base-image.sh")], lab.env)
    back = lab.up(lab.current)
    assert back.code == 0, back.text[-6000:]
    assert any("update" in line and "hello-ko" in line for line in back.output), back.text
    assert lab.converged() == (set(), set(), [])
