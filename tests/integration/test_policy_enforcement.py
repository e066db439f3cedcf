"""The engine enforces gantry's policy pack on real resources (issue 10, test 3).

A throwaway Pulumi program (Kubernetes objects rendered to a temp directory,
state in a temp file backend) is brought up compliant, then asked to add a
privileged container whose image is `:latest`. The pack must refuse both
`preview` and `up` with the rules' messages, and the state and the rendered
files must stay as they were.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import CACHE, ROOT, SCRIPTS, run

pytestmark = pytest.mark.integration

PACK = ROOT / "policies"
PACK_CONFIG = PACK / "config" / "local.json"

PROGRAM = """
import pulumi
import pulumi_kubernetes as k8s

config = pulumi.Config()
provider = k8s.Provider("render", render_yaml_to_directory=config.require("render_dir"))
opts = pulumi.ResourceOptions(provider=provider)
k8s.core.v1.ConfigMap(
    "settings",
    metadata={"name": "settings", "namespace": "demo"},
    data={"LOG_LEVEL": "info"},
    opts=opts,
)
if config.get_bool("violate"):
    labels = {"app": "bad"}
    k8s.apps.v1.Deployment(
        "bad",
        metadata={"name": "bad", "namespace": "demo"},
        spec={
            "selector": {"match_labels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [{
                        "name": "web",
                        "image": "nginx:latest",
                        "security_context": {"privileged": True},
                    }],
                },
            },
        },
        opts=opts,
    )
"""


@dataclass(frozen=True)
class Project:
    """The throwaway project and how to run pulumi on it."""

    directory: Path
    render_dir: Path
    env: dict[str, str]

    def pulumi(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pulumi", "--non-interactive", *args],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )


def _pack_virtualenv() -> Path | None:
    for line in (PACK / "PulumiPolicy.yaml").read_text().splitlines():
        key, _, value = line.strip().partition(":")
        if key == "virtualenv" and value.strip():
            path = Path(value.strip())
            return path if path.is_absolute() else PACK / path
    return None


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    venv = _pack_virtualenv()
    # pulumi v3.259.0 waits forever when the pack's virtualenv is missing.
    assert venv is None or (venv / "bin" / "python").exists(), (
        f"the policy pack's virtualenv {venv} does not exist"
    )
    env = {**os.environ, "GANTRY_CACHE": str(CACHE)}
    run([str(SCRIPTS / "bootstrap.sh"), "engine", "plugins"], env)
    base = tmp_path_factory.mktemp("policy-project")
    directory, render_dir, backend = base / "program", base / "rendered", base / "backend"
    for path in (directory, backend):
        path.mkdir()
    (directory / "Pulumi.yaml").write_text(
        "name: policy-check\n"
        "runtime:\n  name: python\n"
        f"  options:\n    toolchain: pip\n    virtualenv: {ROOT / '.venv'}\n"
    )
    (directory / "__main__.py").write_text(PROGRAM)
    env.update(
        PATH=f"{CACHE / 'bin'}{os.pathsep}{env['PATH']}",
        PULUMI_BACKEND_URL=f"file://{backend}",
        PULUMI_CONFIG_PASSPHRASE="policy-test-only",
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
    )
    project = Project(directory=directory, render_dir=render_dir, env=env)
    for args in (
        ("stack", "init", "test"),
        ("config", "set", "render_dir", str(render_dir)),
    ):
        result = project.pulumi(*args)
        assert result.returncode == 0, result.stderr
    up = project.pulumi(
        "up", "--yes", "--policy-pack", str(PACK), "--policy-pack-config", str(PACK_CONFIG)
    )
    assert up.returncode == 0, f"the compliant program was refused:\n{up.stdout}\n{up.stderr}"
    yield project
    project.pulumi("destroy", "--yes")


def _snapshot(project: Project) -> tuple[list[str], list[str]]:
    """Resource URNs in the state and the rendered files."""
    state = project.pulumi("stack", "export")
    assert state.returncode == 0, state.stderr
    urns = sorted(r["urn"] for r in json.loads(state.stdout)["deployment"]["resources"])
    files = sorted(str(p.relative_to(project.render_dir)) for p in project.render_dir.rglob("*"))
    return urns, files


@pytest.mark.parametrize("command", ["preview", "up"])
def test_privileged_latest_container_is_refused(project: Project, command: str) -> None:
    before = _snapshot(project)
    assert project.pulumi("config", "set", "violate", "true").returncode == 0
    try:
        args = [command, "--policy-pack", str(PACK), "--policy-pack-config", str(PACK_CONFIG)]
        if command == "up":
            args.append("--yes")
        result = project.pulumi(*args)
    finally:
        assert project.pulumi("config", "rm", "violate").returncode == 0
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"{command} was not refused:\n{output}"
    assert "disallow-privileged-containers" in output
    assert "must not set securityContext.privileged=true" in output
    assert "require-pinned-images" in output
    assert 'image "nginx:latest" uses :latest' in output
    assert _snapshot(project) == before
