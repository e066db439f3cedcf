"""The images the local cluster builds are exactly the ones the pinned chart references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from localcluster import chart_images, render
from localcluster.settings import ClusterSettings, Ports
from tests.charts import chart_tree

ROOT = Path(__file__).resolve().parents[2]


def _image(values: dict[str, Any], app_version: str) -> str:
    """`registry/repository:tag` as the chart's image helpers build it (tag defaults to
    v<appVersion>; node-exporter's helper appends `-distroless` when asked to)."""
    tag = values.get("tag") or f"v{app_version}"
    suffix = "-distroless" if values.get("distroless") else ""
    return f"{values['registry']}/{values['repository']}:{tag}{suffix}"


def _chart_references() -> set[str]:
    tree = chart_tree("kube-prometheus-stack")
    kps = yaml.safe_load(tree["values.yaml"])
    kps_version = yaml.safe_load(tree["Chart.yaml"])["appVersion"].removeprefix("v")
    refs = {
        _image(kps["prometheusOperator"]["image"], kps_version),
        _image(kps["prometheusOperator"]["prometheusConfigReloader"]["image"], kps_version),
        _image(kps["prometheus"]["prometheusSpec"]["image"], kps_version),
        _image(kps["alertmanager"]["alertmanagerSpec"]["image"], kps_version),
    }
    for sub in ("kube-state-metrics", "prometheus-node-exporter"):
        image = yaml.safe_load(tree[f"charts/{sub}/values.yaml"])["image"]
        # The parent's values for a subchart override the subchart's own.
        image = {**image, **kps.get(sub, {}).get("image", {})}
        app = yaml.safe_load(tree[f"charts/{sub}/Chart.yaml"])["appVersion"].removeprefix("v")
        refs.add(_image(image, app))
    return refs


def test_every_runnable_chart_image_is_built_under_the_charts_name() -> None:
    assert set(chart_images.references(ROOT)) == _chart_references()


def test_the_charts_registries_resolve_to_the_loopback_registry() -> None:
    registries = {c.registry for c in chart_images.CHART_IMAGES}
    assert registries <= set(render.MIRRORED_REGISTRIES)
    hosts = render.registry_hosts("127.0.0.1:5001")
    assert 'server = "http://127.0.0.1:5001"' in hosts


def test_the_config_reloader_is_where_the_operator_runs_it() -> None:
    reloader = next(
        c for c in chart_images.CHART_IMAGES if c.image.binary == "prometheus-config-reloader"
    )
    # pkg/operator/config_reloader.go: Command: ["/bin/prometheus-config-reloader"]
    assert reloader.image.entrypoint == "/bin/prometheus-config-reloader"


def test_a_program_not_built_is_one_error_naming_the_command(tmp_path: Path) -> None:
    s = ClusterSettings(root=ROOT, cache=tmp_path, dir=tmp_path / "c", ports=Ports())
    with pytest.raises(RuntimeError) as err:
        chart_images.push_all(s)
    assert "scripts/bootstrap.sh observability" in str(err.value)
    assert "prometheus-operator" in str(err.value)
    assert "node_exporter" in str(err.value)
