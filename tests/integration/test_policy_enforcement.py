"""The engine enforces gantry's policy pack on real resources, with no language host.

A throwaway inline program (Kubernetes objects rendered to a temp directory,
state in a temp file backend) runs through the Automation API exactly as the
driver runs gantry, with the pack started from its executable wrapper
(`policies/pack`). It is brought up compliant, then asked to add a privileged
container whose image is `:latest`: the pack must refuse both `preview` and
`up` with the rules' ids and messages, and the state, the outputs and the
rendered files must stay as they were.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
from pulumi import automation as auto

from gantry.driver.progress import Progress
from gantry.driver.toolchain import find_toolchain

from .conftest import ROOT

pytestmark = pytest.mark.integration

PACK = ROOT / "policies" / "pack"
PACK_CONFIG = ROOT / "policies" / "config" / "local.json"
POLICY_ARGS: dict[str, Any] = {
    "policy_packs": [str(PACK)],
    "policy_pack_configs": [str(PACK_CONFIG)],
}


def program() -> None:
    """A compliant ConfigMap; with config `violate`, a privileged `:latest` Deployment too."""
    config = pulumi.Config()
    provider = k8s.Provider("render", render_yaml_to_directory=config.require("render_dir"))
    opts = pulumi.ResourceOptions(provider=provider)
    k8s.core.v1.ConfigMap(
        "settings",
        metadata={"name": "settings", "namespace": "demo"},
        data={"LOG_LEVEL": "info"},
        opts=opts,
    )
    pulumi.export("settings", "demo/settings")
    if config.get_bool("violate"):
        labels = {"app": "bad"}
        bad = k8s.apps.v1.Deployment(
            "bad",
            metadata={"name": "bad", "namespace": "demo"},
            spec={
                "selector": {"match_labels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [
                            {
                                "name": "web",
                                "image": "nginx:latest",
                                "security_context": {"privileged": True},
                            }
                        ]
                    },
                },
            },
            opts=opts,
        )
        # Outputs come from resources: a refused resource never resolves its own.
        pulumi.export("bad", bad.metadata.apply(lambda m: f"{m.namespace}/{m.name}"))


@dataclass(frozen=True)
class Project:
    stack: auto.Stack
    render_dir: Path


@pytest.fixture(scope="module")
def project(
    engine_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Project]:
    base = tmp_path_factory.mktemp("policy-project")
    render_dir, backend, work = base / "rendered", base / "backend", base / "work"
    backend.mkdir()
    work.mkdir()
    toolchain = find_toolchain(engine_env)
    workspace = auto.LocalWorkspace(
        work_dir=str(work),
        program=program,
        project_settings=auto.ProjectSettings(name="policy-check", runtime="python"),
        env_vars={
            "PATH": engine_env["PATH"],
            "PULUMI_BACKEND_URL": backend.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": "policy-test-only",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        },
        pulumi_command=auto.PulumiCommand(root=str(toolchain.root)),
    )
    stack = auto.Stack.create("test", workspace)
    stack.set_config("render_dir", auto.ConfigValue(str(render_dir)))
    progress = Progress(echo=lambda _line: None)
    stack.up(on_event=progress, **POLICY_ARGS)
    assert not [f for f in progress.findings if f.blocking], progress.findings
    try:
        yield Project(stack=stack, render_dir=render_dir)
    finally:
        stack.destroy()


def _snapshot(project: Project) -> tuple[list[str], dict[str, Any], list[str]]:
    """Resource URNs in the state, the outputs, and the rendered files."""
    state = project.stack.export_stack().deployment
    urns = sorted(r["urn"] for r in state["resources"])
    outputs = {k: v.value for k, v in project.stack.outputs().items()}
    files = sorted(str(p.relative_to(project.render_dir)) for p in project.render_dir.rglob("*"))
    return urns, outputs, files


@pytest.mark.parametrize("command", ["preview", "up"])
def test_privileged_latest_container_is_refused(project: Project, command: str) -> None:
    before = _snapshot(project)
    assert any(urn.endswith("::settings") for urn in before[0])
    project.stack.set_config("violate", auto.ConfigValue("true"))
    progress = Progress(echo=lambda _line: None)
    try:
        with pytest.raises(auto.CommandError) as refused:
            getattr(project.stack, command)(on_event=progress, **POLICY_ARGS)
    finally:
        project.stack.remove_config("violate")
    blocking = {(f.policy, f.message) for f in progress.findings if f.blocking}
    policies = {policy for policy, _ in blocking}
    assert {"disallow-privileged-containers", "require-pinned-images"} <= policies, blocking
    messages = json.dumps(sorted(blocking))
    assert "must not set securityContext.privileged=true" in messages
    assert 'image \\"nginx:latest\\" uses :latest' in messages
    assert "mandatory" in str(refused.value) or "policy" in str(refused.value).lower()
    assert _snapshot(project) == before, "a refused change altered the state, outputs or files"
