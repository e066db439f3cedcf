"""Datasource correlations and the service dashboard."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from components.alerts.scope import AlertScope
from components.alerts.slo import slo_rule_groups
from components.observability.dashboards import (
    dashboard_json,
    dashboard_uid,
    queries,
    service_dashboard,
)
from components.observability.grafana import datasources
from gantry.config.slo import default_slos
from gantry.config_adapter import slo

from .conftest import PlanFactory

SERVICE_METRICS = {
    "http_requests_total",
    "http_request_duration_seconds",
    "http_request_duration_seconds_bucket",
    "http_request_duration_seconds_sum",
    "http_request_duration_seconds_count",
    "http_requests_in_flight",
    "app_build_info",
    "go_goroutines",
}
"""The Go service's metric contract (common.md), with the histogram's series."""
CLUSTER_METRICS = {
    "container_cpu_usage_seconds_total",  # kubelet/cAdvisor, scraped by kube-prometheus-stack
    "container_memory_working_set_bytes",
    "kube_pod_container_resource_limits",  # kube-state-metrics
}
PROMQL_WORDS = {"sum", "by", "rate", "histogram_quantile", "or", "vector", "le", "on", "and"}


def _by_uid(plan_factory: PlanFactory) -> dict[str, dict[str, Any]]:
    return {d["uid"]: d for d in datasources(plan_factory())["datasources"]}


def _recording_rule_names() -> set[str]:
    scope = AlertScope(service="hello", namespace="hello")
    groups = slo_rule_groups(scope, [slo(s) for s in default_slos("prod", "hello")])
    return {rule.record for group in groups for rule in group.rules if hasattr(rule, "record")}


def test_datasource_uids_and_urls(make_plan: PlanFactory) -> None:
    ds = _by_uid(make_plan)
    assert set(ds) == {"prometheus", "loki", "tempo", "alertmanager"}
    assert ds["prometheus"]["url"] == "http://kps-prometheus.observability.svc:9090"
    assert ds["alertmanager"]["url"] == "http://kps-alertmanager.observability.svc:9093"
    assert ds["loki"]["url"] == "http://loki.observability.svc:3100"
    assert ds["tempo"]["url"] == "http://tempo.observability.svc:3200"
    assert [d["uid"] for d in ds.values() if d.get("isDefault")] == ["prometheus"]


def test_prometheus_exemplars_link_to_tempo(make_plan: PlanFactory) -> None:
    jd = _by_uid(make_plan)["prometheus"]["jsonData"]
    assert jd["exemplarTraceIdDestinations"] == [{"name": "trace_id", "datasourceUid": "tempo"}]


def test_loki_trace_id_links_to_tempo(make_plan: PlanFactory) -> None:
    (field,) = _by_uid(make_plan)["loki"]["jsonData"]["derivedFields"]
    assert field["matcherType"] == "label"
    assert field["matcherRegex"] == "trace_id"
    assert field["datasourceUid"] == "tempo"
    # Grafana expands $VAR in provisioning files: the literal needs $$.
    assert field["url"] == "$${__value.raw}"


def test_tempo_links_to_logs_metrics_and_service_map(make_plan: PlanFactory) -> None:
    jd = _by_uid(make_plan)["tempo"]["jsonData"]
    logs = jd["tracesToLogsV2"]
    assert logs["datasourceUid"] == "loki"
    assert logs["filterByTraceID"] is True
    assert 'trace_id="$${__span.traceId}"' in logs["query"]
    assert jd["tracesToMetrics"]["datasourceUid"] == "prometheus"
    assert all("$${__tags}" in q["query"] for q in jd["tracesToMetrics"]["queries"])
    assert jd["serviceMap"] == {"datasourceUid": "prometheus"}
    assert jd["nodeGraph"] == {"enabled": True}


def test_every_single_dollar_is_escaped(make_plan: PlanFactory) -> None:
    text = yaml.safe_dump(datasources(make_plan()))
    assert re.search(r"(?<!\$)\$(?!\$)", text) is None


def test_dashboard_is_valid_json_with_a_sound_layout() -> None:
    board = json.loads(dashboard_json("hello", "hello"))
    assert board["uid"] == dashboard_uid("hello") == "gantry-hello"
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24, panel["title"]
    titles = {p["title"] for p in board["panels"]}
    assert {
        "Request rate by route",
        "Error ratio (5xx)",
        "Request duration percentiles",
        "CPU (cores)",
        "Memory working set",
        "In-flight requests",
        "Error budget remaining (30d)",
        "Burn rate (1h)",
        "Service logs",
    } <= titles
    variables = {v["name"]: v["query"] for v in board["templating"]["list"]}
    assert variables["service"] == "hello" and variables["namespace"] == "hello"


def test_dashboard_queries_use_real_metric_names() -> None:
    allowed = SERVICE_METRICS | CLUSTER_METRICS | _recording_rule_names()
    used: set[str] = set()
    for uid, expr in queries(service_dashboard("hello", "hello")):
        if uid != "prometheus":
            continue
        names = set(re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{", expr))
        assert names, expr
        assert names <= allowed, f"unknown metrics {names - allowed} in {expr}"
        used |= names
    assert {
        "http_requests_total",
        "http_request_duration_seconds",
        "http_request_duration_seconds_bucket",
        "http_requests_in_flight",
    } <= used
    assert {
        "slo:error_budget_remaining:ratio",
        "slo:burn_rate:ratio_rate1h",
        "slo:sli_error:ratio_rate5m",
    } <= used


def test_latency_panels_show_exemplars_from_native_and_classic_histograms() -> None:
    board = service_dashboard("hello", "hello")
    (panel,) = [p for p in board["panels"] if p["title"] == "Request duration percentiles"]
    exprs = [t["expr"] for t in panel["targets"]]
    assert all(t["exemplar"] for t in panel["targets"])
    assert any("http_request_duration_seconds{" in e for e in exprs)
    assert any("http_request_duration_seconds_bucket{" in e and "by (le)" in e for e in exprs)


def test_dashboard_queries_parse_with_promtool(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool not found: apt-get install -y --no-install-recommends prometheus"
    rules = []
    for i, (uid, expr) in enumerate(queries(service_dashboard("hello", "hello"))):
        if uid != "prometheus":
            continue
        concrete = (
            expr.replace("$__rate_interval", "5m")
            .replace("$service", "hello")
            .replace("$namespace", "hello")
        )
        rules.append({"record": f"dashboard:query{i}", "expr": concrete})
    path = tmp_path / "dashboard.rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout


def test_logs_panel_reads_the_labels_alloy_sets() -> None:
    board = service_dashboard("hello", "hello")
    (expr,) = [e for uid, e in queries(board) if uid == "loki"]
    assert expr.startswith('{namespace="$namespace", app="$service"}')
