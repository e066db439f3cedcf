"""The service's Grafana dashboard, as code.

Rate, errors and duration (RED), saturation, the SLOs' error budget and burn
rates, and the service's logs. Latency panels read the native histogram and
fall back to the classic buckets, and show exemplars, so a slow point links
to its trace. SLO panels read the recording rules of components/alerts/slo.py
(`slo:*` series labelled `service` and `slo`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .grafana import LOKI_UID, PROMETHEUS_UID

DASHBOARD_LABEL = {"grafana_dashboard": "1"}
"""The label the Grafana dashboard sidecar watches."""

_PROM = {"type": "prometheus", "uid": PROMETHEUS_UID}
_LOKI = {"type": "loki", "uid": LOKI_UID}
API = '{job="$service", route=~"/api/.+"}'
API_5XX = '{job="$service", route=~"/api/.+", code=~"5.."}'
SLO_SEL = '{service="$service"}'
PERCENTILES = (0.5, 0.9, 0.99)
WINDOW = "[$__rate_interval]"


def dashboard_uid(service: str) -> str:
    return f"gantry-{service}"[:40]


class _Layout:
    """Places panels left to right on Grafana's 24-column grid, with row headers."""

    def __init__(self) -> None:
        self.panels: list[dict[str, Any]] = []
        self._y = 0
        self._x = 0
        self._row_height = 0
        self._id = 0

    def _next_id(self) -> int:
        self._id += 1
        return self._id

    def row(self, title: str) -> None:
        self._newline()
        self.panels.append(
            {
                "id": self._next_id(),
                "type": "row",
                "title": title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": self._y},
                "panels": [],
            }
        )
        self._y += 1

    def _newline(self) -> None:
        self._y += self._row_height
        self._x = 0
        self._row_height = 0

    def add(self, panel: dict[str, Any], w: int, h: int = 8) -> None:
        if self._x + w > 24:
            self._newline()
        panel["id"] = self._next_id()
        panel["gridPos"] = {"h": h, "w": w, "x": self._x, "y": self._y}
        self._x += w
        self._row_height = max(self._row_height, h)
        self.panels.append(panel)


def _target(expr: str, legend: str, ref: str, *, exemplar: bool = False) -> dict[str, Any]:
    return {
        "refId": ref,
        "datasource": _PROM,
        "expr": expr,
        "legendFormat": legend,
        "exemplar": exemplar,
        "range": True,
    }


def _timeseries(
    title: str, targets: list[dict[str, Any]], unit: str, description: str, **defaults: Any
) -> dict[str, Any]:
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": _PROM,
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit, **defaults}, "overrides": []},
        "options": {
            "legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max"]},
            "tooltip": {"mode": "multi"},
        },
    }


def _stat(
    title: str, expr: str, unit: str, description: str, thresholds: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": _PROM,
        "targets": [_target(expr, "{{slo}}", "A")],
        "fieldConfig": {
            "defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": thresholds}},
            "overrides": [],
        },
        "options": {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"},
    }


def _red(layout: _Layout) -> None:
    layout.row("Traffic and errors")
    layout.add(
        _timeseries(
            "Request rate by route",
            [
                _target(
                    f"sum by (route, code) (rate(http_requests_total{API}[$__rate_interval]))",
                    "{{route}} {{code}}",
                    "A",
                )
            ],
            "reqps",
            "API requests per second, by route and status code.",
        ),
        w=12,
    )
    layout.add(
        _timeseries(
            "Error ratio (5xx)",
            [
                _target(
                    f"(sum(rate(http_requests_total{API_5XX}[$__rate_interval])) or vector(0))"
                    f" / sum(rate(http_requests_total{API}[$__rate_interval]))",
                    "5xx ratio",
                    "A",
                )
            ],
            "percentunit",
            "Share of API requests answered with a 5xx status.",
            min=0,
        ),
        w=12,
    )
    layout.row("Duration")
    native = [
        _target(
            f"histogram_quantile({q}, sum(rate(http_request_duration_seconds{API}{WINDOW})))",
            f"p{round(q * 100)} (native)",
            f"N{i}",
            exemplar=True,
        )
        for i, q in enumerate(PERCENTILES)
    ]
    classic = [
        _target(
            f"histogram_quantile({q}, sum by (le) (rate("
            f"http_request_duration_seconds_bucket{API}[$__rate_interval])))",
            f"p{round(q * 100)} (classic)",
            f"C{i}",
            exemplar=True,
        )
        for i, q in enumerate(PERCENTILES)
    ]
    layout.add(
        _timeseries(
            "Request duration percentiles",
            native + classic,
            "s",
            "From the native histogram and the classic buckets (same metric). "
            "Exemplar dots link to "
            "the trace of a request in Tempo.",
        ),
        w=16,
    )
    layout.add(
        _timeseries(
            "Mean duration by route",
            [
                _target(
                    f"sum by (route) (rate(http_request_duration_seconds_sum{API}{WINDOW}))"
                    f" / sum by (route) (rate(http_request_duration_seconds_count{API}{WINDOW}))",
                    "{{route}}",
                    "A",
                )
            ],
            "s",
            "Average API request duration per route.",
        ),
        w=8,
    )


def _saturation(layout: _Layout) -> None:
    pods = '{namespace="$namespace", pod=~"$service-.+", container!="", container!="POD"}'
    layout.row("Saturation")
    layout.add(
        _timeseries(
            "CPU (cores)",
            [
                _target(
                    f"sum by (pod) (rate(container_cpu_usage_seconds_total{pods}{WINDOW}))",
                    "{{pod}}",
                    "A",
                )
            ],
            "short",
            "CPU used per pod (cAdvisor).",
        ),
        w=8,
    )
    layout.add(
        _timeseries(
            "Memory working set",
            [
                _target(f"sum by (pod) (container_memory_working_set_bytes{pods})", "{{pod}}", "A"),
                _target(
                    'sum by (pod) (kube_pod_container_resource_limits{namespace="$namespace", '
                    'pod=~"$service-.+", resource="memory"})',
                    "limit {{pod}}",
                    "B",
                ),
            ],
            "bytes",
            "Working set against the memory limit (the OOM killer's measure).",
        ),
        w=8,
    )
    layout.add(
        _timeseries(
            "In-flight requests",
            [
                _target('sum by (pod) (http_requests_in_flight{job="$service"})', "{{pod}}", "A"),
                _target('sum by (pod) (go_goroutines{job="$service"})', "goroutines {{pod}}", "B"),
            ],
            "short",
            "Requests being served right now, and goroutines.",
        ),
        w=8,
    )


def _slo(layout: _Layout) -> None:
    layout.row("SLO: error budget and burn rate")
    layout.add(
        _stat(
            "Error budget remaining (30d)",
            f"slo:error_budget_remaining:ratio{SLO_SEL}",
            "percentunit",
            "Share of the 30-day error budget left, per SLO.",
            [
                {"color": "red", "value": None},
                {"color": "orange", "value": 0.25},
                {"color": "green", "value": 0.5},
            ],
        ),
        w=8,
    )
    layout.add(
        _stat(
            "Burn rate (1h)",
            f"slo:burn_rate:ratio_rate1h{SLO_SEL}",
            "x",
            "1 spends the budget exactly over 30 days; 14.4 over 1h (with 5m) pages.",
            [
                {"color": "green", "value": None},
                {"color": "orange", "value": 6},
                {"color": "red", "value": 14.4},
            ],
        ),
        w=8,
    )
    layout.add(
        _timeseries(
            "SLI error ratio vs budget",
            [
                _target(f"slo:sli_error:ratio_rate5m{SLO_SEL}", "{{slo}} 5m", "A"),
                _target(f"slo:sli_error:ratio_rate1h{SLO_SEL}", "{{slo}} 1h", "B"),
                _target(f"slo:error_budget:ratio{SLO_SEL}", "{{slo}} budget", "C"),
            ],
            "percentunit",
            "Error ratio of each SLI against its error budget (1 - objective).",
        ),
        w=8,
    )
    burns = ("5m", "30m", "1h", "6h", "1d", "3d")
    layout.add(
        _timeseries(
            "Burn rate by window",
            [
                _target(f"slo:burn_rate:ratio_rate{w}{SLO_SEL}", f"{{{{slo}}}} {w}", f"W{i}")
                for i, w in enumerate(burns)
            ],
            "x",
            "Page: 1h and 5m >= 14.4, or 6h and 30m >= 6. "
            "Ticket: 1d and 2h >= 3, or 3d and 6h >= 1.",
        ),
        w=24,
    )


def _logs(layout: _Layout) -> None:
    layout.row("Logs")
    layout.add(
        {
            "type": "logs",
            "title": "Service logs",
            "description": "Each line's trace_id links to its trace in Tempo.",
            "datasource": _LOKI,
            "targets": [
                {
                    "refId": "A",
                    "datasource": _LOKI,
                    "expr": '{namespace="$namespace", app="$service"} | json | level=~"$level"',
                }
            ],
            "options": {
                "showTime": True,
                "wrapLogMessage": True,
                "sortOrder": "Descending",
                "enableLogDetails": True,
            },
        },
        w=24,
        h=12,
    )


def _constant(name: str, value: str, label: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "custom",
        "query": value,
        "hide": 0,
        "current": {"text": value, "value": value},
        "options": [{"text": value, "value": value, "selected": True}],
    }


def service_dashboard(service: str, namespace: str) -> dict[str, Any]:
    """The dashboard JSON model for one service."""
    layout = _Layout()
    _red(layout)
    _saturation(layout)
    _slo(layout)
    _logs(layout)
    level = {
        "name": "level",
        "label": "Log level",
        "type": "custom",
        "query": "debug,info,warn,error",
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"text": "All", "value": "$__all"},
    }
    return {
        "uid": dashboard_uid(service),
        "title": f"{service}: service overview",
        "tags": ["gantry", service],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-3h", "to": "now"},
        "templating": {
            "list": [
                _constant("service", service, "Service"),
                _constant("namespace", namespace, "Namespace"),
                level,
            ]
        },
        "annotations": {"list": []},
        "links": [],
        "panels": layout.panels,
    }


def queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(datasource uid, expression) of every query in the dashboard."""
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield target["datasource"]["uid"], target["expr"]


def dashboard_json(service: str, namespace: str) -> str:
    return json.dumps(service_dashboard(service, namespace), indent=2, sort_keys=True)
