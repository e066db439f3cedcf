"""The local stack end to end with the real engine (issue 10's integration tests).

One `pulumi up` through scripts/local-up.sh (bootstrap, registry, base image,
policy pack enforced) into a throwaway file backend, then the checks, then
`pulumi destroy`. The registry is stopped afterwards only when this module
started it (Pulumi.local.yaml names 127.0.0.1:5001, so the port is fixed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from scripts.verify_image import Crane, verify

from .conftest import CACHE, ROOT, SCRIPTS, run

pytestmark = pytest.mark.integration

POLICY_ARGS = ["--policy-pack", "policies", "--policy-pack-config", "policies/config/local.json"]


@dataclass(frozen=True)
class Stack:
    """The stack under test and the environment its commands need."""

    env: dict[str, str]
    outputs: dict[str, object]

    def pulumi(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(SCRIPTS / "local-pulumi.sh"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=1200,
            cwd=ROOT,
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"pulumi {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result


def _registry_answers(env: dict[str, str]) -> bool:
    status = subprocess.run(
        [str(SCRIPTS / "local-registry.sh"), "status"],
        env=env,
        capture_output=True,
        check=False,
        timeout=30,
    )
    return status.returncode == 0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    backend = tmp_path_factory.mktemp("backend")
    env = {
        **os.environ,
        "GANTRY_CACHE": str(CACHE),
        "GANTRY_STACK": "local",
        "PULUMI_BACKEND_URL": f"file://{backend}",
    }
    # The stack's encryption salt in Pulumi.local.yaml belongs to the local
    # default passphrase (scripts/local-pulumi.sh), so use that one.
    env.pop("PULUMI_CONFIG_PASSPHRASE", None)
    env.pop("GANTRY_REGISTRY_PORT", None)
    registry_was_running = _registry_answers(env)
    run([str(SCRIPTS / "local-up.sh")], env, cwd=ROOT)
    env["PATH"] = f"{CACHE / 'bin'}{os.pathsep}{env['PATH']}"
    try:
        outputs = json.loads(
            subprocess.run(
                [str(SCRIPTS / "local-pulumi.sh"), "stack", "output", "--json"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
                cwd=ROOT,
            ).stdout
        )
        yield Stack(env=env, outputs=outputs)
    finally:
        subprocess.run(
            [str(SCRIPTS / "local-pulumi.sh"), "destroy", "--yes"],
            env=env,
            capture_output=True,
            check=False,
            timeout=1200,
            cwd=ROOT,
        )
        if not registry_was_running:
            subprocess.run(
                [str(SCRIPTS / "local-registry.sh"), "stop"], env=env, check=False, timeout=60
            )


def _image_ref(outputs: dict[str, object]) -> str:
    """The image ref of the local target (outputs keyed by target name)."""
    refs = [v["image"] for v in outputs.values() if isinstance(v, dict) and "image" in v]
    assert len(refs) == 1, f"expected one target with an image output, got {outputs}"
    return str(refs[0])


def test_pushed_image_is_two_platform_static_nonroot_without_shell(stack: Stack) -> None:
    crane = Crane(str(CACHE / "bin" / "crane"))
    assert verify(_image_ref(stack.outputs), crane) == []


def test_second_preview_expects_no_changes(stack: Stack) -> None:
    result = stack.pulumi("preview", "--expect-no-changes", *POLICY_ARGS, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def _secret_values(stack: Stack) -> list[str]:
    """Plaintext of every secret the stack holds: secret outputs and secret config."""
    shown = json.loads(stack.pulumi("stack", "output", "--json", "--show-secrets").stdout)
    masked = stack.outputs
    values = [
        json.dumps(shown[k]) if not isinstance(shown[k], str) else shown[k]
        for k in shown
        if masked.get(k) != shown[k]
    ]
    config = json.loads(stack.pulumi("config", "--show-secrets", "--json").stdout)
    values += [str(entry["value"]) for entry in config.values() if entry.get("secret")]
    return [v for v in values if len(v) >= 8]


def test_state_and_outputs_hold_no_plaintext_secret(stack: Stack) -> None:
    secrets = _secret_values(stack)
    state = stack.pulumi("stack", "export").stdout
    outputs = stack.pulumi("stack", "output", "--json").stdout
    for value in secrets:
        assert value not in state, "a secret appears in plaintext in the exported state"
        assert value not in outputs, "a secret appears in plaintext in the stack outputs"


def test_rendered_manifests_validate(stack: Stack) -> None:
    rendered = ROOT / "out" / "local"
    if not any(rendered.rglob("*.yaml")):
        pytest.fail(f"nothing rendered under {rendered} (a cluster was configured?)")
    # Rendered without a cluster, so no server version: check against the
    # version the cloud stacks pin (Pulumi.dev.yaml / Pulumi.prod.yaml).
    validate = SCRIPTS / "validate_manifests.py"
    argv = [sys.executable, str(validate), str(rendered), "--kubernetes-version", "1.34"]
    run(argv, stack.env, cwd=ROOT)
