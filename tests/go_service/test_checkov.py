"""checkov, an independent scanner, reports no failure on the rendered manifests.

It runs from its own venv (scripts/checkov.sh installs it on first use), so
this test needs the package registry once per machine; it fails, never
skips, when checkov cannot run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from scripts import render_manifests

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "checkov.sh"


def _checkov(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), str(directory)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "PYTHON": os.environ.get("PYTHON", "python3")},
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("checkov")
    for stack in render_manifests.committed_stacks():
        render_manifests.render_stack(stack, out)
    return out


def test_checkov_reports_no_failure(rendered: Path) -> None:
    result = _checkov(rendered)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Failed checks: 0" in report, report
    passed = int(report.split("Passed checks: ")[1].split(",")[0])
    assert passed > 100, report  # it really scanned every object


def test_checkov_fails_a_privileged_container(rendered: Path, tmp_path: Path) -> None:
    """The scanner and its config can fail: a mutated copy must be reported."""
    source = next((rendered / "dev" / "aws-dev").glob("*-deployment-*.yaml"))
    deployment = yaml.safe_load(source.read_text())
    context = deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    context["privileged"] = True
    context["allowPrivilegeEscalation"] = True
    (tmp_path / "deployment.yaml").write_text(yaml.safe_dump(deployment))
    result = _checkov(tmp_path)
    report = result.stdout + result.stderr
    assert result.returncode != 0, report
    assert "CKV_K8S_16" in report, report  # privileged containers
    assert "CKV_K8S_20" in report, report  # privilege escalation
