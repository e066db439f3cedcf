"""Durations, chart sources and the requests budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.observability.budget import (
    SMALL_BUDGET_MEBIBYTES,
    SMALL_BUDGET_MILLICORES,
    Workload,
    container_requests,
    footprint,
)
from components.observability.component import chart_source, stack_footprint
from components.observability.plan import go_duration
from components.observability.settings import ChartSource, ObservabilitySettings
from components.observability.values_loki import loki_base_values, loki_workloads
from components.versions import CHARTS
from gantry.config import parse_stack_config
from gantry.config.observability import ObservabilityConfig
from gantry.config_adapter import observability_settings
from gantry.program import with_chart_mirror

from .conftest import PlanFactory

LOCAL_STACK = {
    "profile": "local",
    "targets": [{"name": "local", "cloud": "local"}],
    "policy": {"pack_config": "policies/config/local.json"},
}


@pytest.mark.parametrize(
    ("prom", "go"),
    [
        ("72h", "72h"),
        ("14d", "336h"),
        ("1w", "168h"),
        ("1d12h", "36h"),
        ("90m", "90m"),
        ("1h30m", "1h30m"),
    ],
)
def test_go_duration(prom: str, go: str) -> None:
    assert go_duration(prom) == go


def test_go_duration_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="not a Prometheus-style duration"):
        go_duration("14 days")


@pytest.mark.parametrize("managed", [True, False])
@pytest.mark.parametrize("nodes", [1, 3, 5])
def test_small_profile_fits_two_vcpu_and_four_gib(
    make_plan: PlanFactory, managed: bool, nodes: int
) -> None:
    total = stack_footprint(make_plan("small", managed=managed), nodes)
    assert total.within(SMALL_BUDGET_MILLICORES, SMALL_BUDGET_MEBIBYTES), total.as_output()


def test_budget_counts_every_pod_and_daemonsets_per_node(make_plan: PlanFactory) -> None:
    one = stack_footprint(make_plan("small"), 1)
    three = stack_footprint(make_plan("small"), 3)
    node_exporter = one.by_workload["node-exporter"]
    assert three.by_workload["node-exporter"]["copies"] == 3
    assert three.cpu_millicores - one.cpu_millicores == 2 * node_exporter["cpu_millicores"]
    assert set(one.by_workload) >= {
        "prometheus",
        "alertmanager",
        "prometheus-operator",
        "kube-state-metrics",
        "grafana",
        "grafana-sidecars",
        "loki",
        "tempo",
        "alloy",
        "alloy-config-reloader",
    }
    assert one.cpu_millicores == sum(w["cpu_millicores"] for w in one.by_workload.values())


def test_ha_profile_counts_replicas_and_loki_caches(make_plan: PlanFactory) -> None:
    ha = stack_footprint(make_plan("ha"), 3)
    assert ha.by_workload["prometheus"]["copies"] == 2
    assert ha.by_workload["alertmanager"]["copies"] == 3
    assert ha.by_workload["loki"]["copies"] == 3
    # The chart requests round(allocatedMemory * 1.2) MiB per memcached pod.
    assert ha.by_workload["loki-chunksCache"]["memory_mebibytes"] == 1229
    assert ha.cpu_millicores > stack_footprint(make_plan("small"), 3).cpu_millicores


def test_small_loki_has_no_caches(make_plan: PlanFactory) -> None:
    names = {w.name for w in loki_workloads(loki_base_values(make_plan("small"), "filesystem"))}
    assert names == {"loki"}


def test_footprint_rejects_double_counting() -> None:
    w = Workload("x", 10, 10)
    with pytest.raises(ValueError, match="counted twice"):
        footprint([w, w], 1)


def test_container_requests_needs_cpu_and_memory() -> None:
    with pytest.raises(ValueError, match="needs both cpu and memory"):
        container_requests("x", {"requests": {"cpu": "100m"}})
    assert container_requests("x", {"requests": {"cpu": "1", "memory": "1Gi"}}, 2) == Workload(
        "x", 1000, 1024, 2
    )


def test_chart_source_defaults_to_the_pin() -> None:
    cfg = ObservabilitySettings()
    pin = CHARTS["loki"]
    assert chart_source("loki", cfg) == ("loki", pin.version, pin.repository)


def test_chart_source_mirror_and_oci_override() -> None:
    cfg = observability_settings(
        ObservabilityConfig.model_validate(
            {
                "charts": {
                    "kube-prometheus-stack": {"repository": "oci://registry.example/charts/"},
                    "tempo": {"repository": "https://mirror.example/helm", "version": "2.2.5"},
                }
            }
        )
    )
    kps_version = CHARTS["kube-prometheus-stack"].version
    assert chart_source("kube-prometheus-stack", cfg) == (
        "oci://registry.example/charts/kube-prometheus-stack",
        kps_version,
        None,
    )
    assert chart_source("tempo", cfg) == ("tempo", "2.2.5", "https://mirror.example/helm")


def test_a_chart_mirror_names_the_unpacked_chart_directory() -> None:
    cfg = ObservabilitySettings(
        chart_mirror="/srv/charts", charts={"tempo": ChartSource(repository="oci://r.example/c")}
    )
    pin = CHARTS["loki"]
    assert chart_source("loki", cfg) == (f"/srv/charts/loki-{pin.version}", pin.version, None)
    # A per-chart override still wins over the mirror.
    assert chart_source("tempo", cfg)[0] == "oci://r.example/c/tempo"


def test_the_machines_mirror_applies_only_when_the_stack_names_none(tmp_path: Path) -> None:
    config = parse_stack_config(LOCAL_STACK, "local")
    assert with_chart_mirror(config, None).observability.chart_mirror is None
    mirrored = with_chart_mirror(config, str(tmp_path))
    assert mirrored.observability.chart_mirror == str(tmp_path.resolve())
    named = parse_stack_config(
        {**LOCAL_STACK, "observability": {"chart_mirror": "/charts"}}, "local"
    )
    assert with_chart_mirror(named, str(tmp_path)).observability.chart_mirror == "/charts"


def test_every_chart_is_pinned_exactly() -> None:
    assert {"kube-prometheus-stack", "loki", "tempo", "alloy"} <= set(CHARTS)
    for pin in CHARTS.values():
        assert pin.version.count(".") == 2 and pin.version.replace(".", "").isdigit()
        assert pin.repository.startswith(("https://", "oci://"))
