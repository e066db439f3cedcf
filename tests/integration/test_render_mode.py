"""`mode: render` with the observability stack on: every chart rendered with no cluster.

helm.v4.Chart cannot be told a Kubernetes version and, with no cluster to ask,
Helm assumes v1.20, which kube-prometheus-stack (>= 1.25) refuses. In render
mode the stack renders through helm.v3.Chart for the local control plane's
pinned version instead (toolchain/versions.env). This runs the real engine on
a throwaway backend, pushes the service image to a registry of its own, and
reads the files the provider wrote; no API server is involved.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from gantry_policies.config import render
from gantry_policies.stack_settings import settings_for

from gantry.driver.stack import load_config

from .conftest import ROOT, Registry, chart_mirror, throwaway_stack_env

pytestmark = pytest.mark.integration


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads a bare `=` (YAML 1.1's value key; CRD enums hold it) as text."""


_Loader.add_constructor(
    "tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node)
)


@dataclass(frozen=True)
class Rendered:
    env: dict[str, str]
    config_file: Path
    pack_config: Path
    out: Path

    def driver(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gantry.driver", *args, "--stack", "local",
             "--config-file", str(self.config_file), "--pack-config", str(self.pack_config)],
            env=self.env, cwd=ROOT, capture_output=True, text=True, check=False, timeout=1200,
        )  # fmt: skip

    def objects(self) -> list[dict[str, object]]:
        return [
            doc
            for path in sorted(self.out.rglob("*.yaml"))
            for doc in yaml.load_all(path.read_text(), Loader=_Loader)
            if doc
        ]


def _errors(done: subprocess.CompletedProcess[str]) -> str:
    """The error lines of a failed run, then its end."""
    output = done.stdout + done.stderr
    errors = [line for line in output.splitlines() if "error" in line.lower()]
    return "\n".join(errors[:20]) + "\n...\n" + output[-3000:]


@pytest.fixture(scope="module")
def rendered(
    engine_env: dict[str, str],
    registry: Registry,
    base_image: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Rendered]:
    tmp = tmp_path_factory.mktemp("render-mode")
    env = {**throwaway_stack_env(engine_env, tmp), "GANTRY_KO_BASE_IMAGE": base_image}
    if mirror := chart_mirror():
        env["GANTRY_CHART_MIRROR"] = mirror
    document = yaml.safe_load((ROOT / "Pulumi.local.yaml").read_text())
    (target,) = document["config"]["gantry:targets"]
    target.update({"mode": "render", "render_dir": str(tmp / "out"), "registry": registry.address})
    config_file = tmp / "Pulumi.local.yaml"
    config_file.write_text(yaml.safe_dump(document))
    # The pack's registry allowlist comes from the stack config: this one's registry.
    pack_config = tmp / "pack-config.json"
    pack_config.write_text(render(settings_for(load_config(ROOT, "local", config_file))))
    stack = Rendered(env=env, config_file=config_file, pack_config=pack_config, out=tmp / "out")
    done = stack.driver("up")
    assert done.returncode == 0, _errors(done)
    yield stack


def test_every_chart_renders_without_a_cluster(rendered: Rendered) -> None:
    objects = rendered.objects()
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objects}  # type: ignore[index]
    crds = [name for kind, name in kinds if kind == "CustomResourceDefinition"]
    assert len([c for c in crds if c.endswith(".monitoring.coreos.com")]) == 10, crds
    for expected in (
        ("Prometheus", "kps-prometheus"),
        ("Alertmanager", "kps-alertmanager"),
        ("Deployment", "kps-operator"),
        ("DaemonSet", "kps-prometheus-node-exporter"),
        ("StatefulSet", "loki"),
        ("StatefulSet", "tempo"),
        ("Deployment", "alloy"),
        ("Deployment", "kps-grafana"),
        ("Deployment", "hello"),
    ):
        assert expected in kinds, expected
    crd_files = sorted((rendered.out / "0-crd").glob("*.yaml"))
    assert crd_files, "CRDs go to their own directory, applied first"


def test_a_second_preview_of_the_rendered_stack_finds_no_changes(rendered: Rendered) -> None:
    done = rendered.driver("preview", "--expect-no-changes")
    assert done.returncode == 0, _errors(done)
