"""The pinned charts as their source serves them: right name and version, and our values
valid against the charts that ship a values schema.

The source is one setting (tests/charts.py): GANTRY_CHART_MIRROR,
else ../shared/charts when it exists, else the upstream repositories.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from charts import (
    DEFAULT_MIRROR,
    ENV,
    ChartMirrorError,
    chart_files,
    chart_mirror,
    mirrored_chart,
    source_name,
)

from components.admission.values import policy_controller_values
from components.observability.values_loki import loki_values
from components.targets.storage_values import loki_s3
from components.versions import CHARTS

from .conftest import PlanFactory

SCHEMA_CHARTS = ("loki", "policy-controller")
"""The pinned charts that ship values.schema.json (the others ship none)."""


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_the_source_serves_the_pinned_chart(chart: str) -> None:
    meta = yaml.safe_load(chart_files(chart)["Chart.yaml"])
    assert (meta["name"], str(meta["version"])) == (chart, CHARTS[chart].version), source_name()


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_schema_list_is_true(chart: str) -> None:
    ships = "values.schema.json" in chart_files(chart)
    assert ships == (chart in SCHEMA_CHARTS), f"{chart}: update SCHEMA_CHARTS ({source_name()})"


def _validator(chart: str) -> jsonschema.protocols.Validator:
    schema = json.loads(chart_files(chart)["values.schema.json"])
    return jsonschema.validators.validator_for(schema)(schema)  # type: ignore[no-any-return]


def _loki(make_plan: PlanFactory, profile: str) -> dict[str, Any]:
    plan = make_plan(profile, object_storage=profile == "ha")
    return loki_values(plan, loki_s3("bucket", "eu-west-1") if profile == "ha" else None)


@pytest.mark.parametrize("profile", ["small", "ha"])
def test_loki_values_match_the_charts_schema(make_plan: PlanFactory, profile: str) -> None:
    validator = _validator("loki")
    values = _loki(make_plan, profile)
    assert [e.message for e in validator.iter_errors(values)] == []
    broken = {**values, "singleBinary": {**values.get("singleBinary", {}), "replicas": "two"}}
    assert list(validator.iter_errors(broken)), "the schema must catch a wrongly typed value"


@pytest.mark.parametrize("replicas", [1, 3])
def test_policy_controller_values_match_the_charts_schema(replicas: int) -> None:
    validator = _validator("policy-controller")
    values = policy_controller_values(replicas=replicas)
    assert [e.message for e in validator.iter_errors(values)] == []


# --- the setting itself --------------------------------------------------------------------


def test_mirror_setting_wins(tmp_path: Path) -> None:
    assert chart_mirror({ENV: str(tmp_path)}) == tmp_path


def test_empty_setting_means_upstream() -> None:
    assert chart_mirror({ENV: ""}) is None


def test_unset_falls_back_to_shared_charts_beside_the_checkout(tmp_path: Path) -> None:
    expected = DEFAULT_MIRROR if DEFAULT_MIRROR.is_dir() else None
    assert chart_mirror({}) == expected


def test_a_missing_mirror_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ChartMirrorError, match=f"{ENV}="):
        chart_mirror({ENV: str(tmp_path / "nope")})


def test_a_mirror_without_the_pin_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ChartMirrorError, match=f"tempo-{CHARTS['tempo'].version}/Chart.yaml"):
        mirrored_chart(tmp_path, CHARTS["tempo"])
