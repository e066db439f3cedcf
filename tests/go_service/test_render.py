"""Rendered manifests of every committed stack validate against Kubernetes and CRD schemas."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.go_service.manifests import render
from scripts import render_manifests, validate_manifests

from .conftest import IMAGE, stack_spec

STACKS = render_manifests.committed_stacks()


def test_every_committed_stack_is_rendered() -> None:
    assert STACKS == ["dev", "local", "prod"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("render")
    for stack in STACKS:
        assert render_manifests.render_stack(stack, out)
    return out


@pytest.mark.parametrize("stack", STACKS)
def test_rendered_stack_validates(rendered: Path, stack: str) -> None:
    checked, problems = validate_manifests.validate_directory(rendered / stack)
    assert problems == []
    config = render_manifests.load_stack(stack)
    assert checked == len(render(stack_spec(stack))) * len(config.targets)


def test_one_directory_per_target_with_its_kubernetes_version(rendered: Path) -> None:
    info = {
        p.parent.relative_to(rendered).as_posix(): json.loads(p.read_text())
        for p in rendered.rglob(render_manifests.INFO_FILE)
    }
    assert sorted(info) == [
        "dev/aws-dev",
        "local/local",
        "prod/aws-prod",
        "prod/azure-prod",
        "prod/gcp-prod",
    ]
    assert info["prod/aws-prod"]["kubernetes_version"] == "1.34"
    assert (
        info["prod/gcp-prod"]["kubernetes_version"] == "1.32"
    )  # release channel: oldest supported
    assert all(i["image_is_placeholder"] for i in info.values())


def test_files_round_trip_to_the_builders_objects(rendered: Path) -> None:
    files = sorted((rendered / "prod" / "aws-prod").glob("*.yaml"))
    objects = [yaml.safe_load(p.read_text()) for p in files]
    placeholder = "registry.invalid/hello@" + render_manifests.PLACEHOLDER_DIGEST
    assert objects == render(stack_spec("prod", image=placeholder))
    deployment = next(p for p in files if "deployment" in p.name).read_text()
    assert "PLACEHOLDER image" in deployment


def test_real_image_is_used_when_given(tmp_path: Path) -> None:
    render_manifests.render_stack("dev", tmp_path, image=IMAGE)
    text = next((tmp_path / "dev" / "aws-dev").glob("*-deployment-*.yaml")).read_text()
    assert f"image: {IMAGE}" in text
    assert "PLACEHOLDER" not in text
    with pytest.raises(ValueError, match="not pinned by digest"):
        render_manifests.render_stack("dev", tmp_path, image="registry.example.com/hello:latest")


def test_rerender_removes_stale_files(tmp_path: Path) -> None:
    render_manifests.render_stack("dev", tmp_path)
    stale = tmp_path / "dev" / "aws-dev" / "99-old.yaml"
    stale.write_text("kind: Old\n")
    render_manifests.render_stack("dev", tmp_path)
    assert not stale.exists()


def test_cli_renders_and_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert render_manifests.main(["--stack", "all", "--out", str(tmp_path)]) == 0
    assert validate_manifests.main([str(tmp_path)]) == 0
    assert "0 problems" in capsys.readouterr().out
    assert validate_manifests.main([str(tmp_path / "missing")]) == 1


# The validators must be able to fail: one mutation per kind of mistake.


def _prod(kind: str) -> dict[str, Any]:
    obj = next(o for o in render(stack_spec("prod")) if o["kind"] == kind)
    return copy.deepcopy(obj)


def test_kubernetes_schema_rejects_an_unknown_field() -> None:
    deployment = _prod("Deployment")
    deployment["spec"]["template"]["spec"]["topologySpreadConstraints"][0]["matchLabelKey"] = ["x"]
    problems = validate_manifests.validate_object(deployment, "1.34")
    assert len(problems) == 1
    assert "Kubernetes 1.34 schema" in problems[0]


def test_kubernetes_schema_rejects_a_wrong_type() -> None:
    service = _prod("Service")
    service["spec"]["ports"][0]["port"] = "eighty"
    assert validate_manifests.validate_object(service, "1.34")


def test_kubernetes_schema_of_an_older_version_lacks_newer_fields() -> None:
    pdb = _prod("PodDisruptionBudget")
    assert validate_manifests.validate_object(pdb, "1.32") == []
    assert validate_manifests.validate_object(
        pdb, "1.25"
    )  # unhealthyPodEvictionPolicy came in 1.26


def test_service_monitor_schema_rejects_bad_values() -> None:
    good = _prod("ServiceMonitor")
    assert validate_manifests.validate_object(good, "1.34") == []
    bad_scheme = copy.deepcopy(good)
    bad_scheme["spec"]["endpoints"][0]["scheme"] = "tcp"
    bad_interval = copy.deepcopy(good)
    bad_interval["spec"]["endpoints"][0]["interval"] = "30 seconds"
    typo = copy.deepcopy(good)
    typo["spec"]["endpoints"][0]["honourLabels"] = False
    no_selector = copy.deepcopy(good)
    del no_selector["spec"]["selector"]
    for bad in (bad_scheme, bad_interval, typo, no_selector):
        problems = validate_manifests.validate_object(bad, "1.34")
        assert len(problems) == 1
        assert "CRD schema" in problems[0]


def test_unknown_custom_kinds_fail_closed() -> None:
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": "x", "namespace": "hello"},
    }
    (problem,) = validate_manifests.validate_object(rule, "1.34")
    assert "crd_schemas.py" in problem


def test_default_namespace_is_rejected() -> None:
    service = _prod("Service")
    service["metadata"]["namespace"] = "default"
    assert any("not 'default'" in p for p in validate_manifests.validate_object(service, "1.34"))


def test_schema_version_picks_the_newest_bundled_at_or_below_the_target() -> None:
    assert validate_manifests.schema_version("1.34") == "1.34.0"
    assert validate_manifests.schema_version("1.99").startswith("1.")
    with pytest.raises(ValueError, match="no schema"):
        validate_manifests.schema_version("1.10")
