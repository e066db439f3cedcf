"""Grafana datasources, provisioned with the links between the three signals.

Alert -> exemplar on a latency panel -> the trace in Tempo -> the logs of that
request in Loki: each hop is one of the settings below. Grafana expands
`$VAR` in provisioning files, so literal `${...}` is written `$${...}`.
"""

from __future__ import annotations

from typing import Any

from .plan import Plan

PROMETHEUS_UID = "prometheus"
LOKI_UID = "loki"
TEMPO_UID = "tempo"
ALERTMANAGER_UID = "alertmanager"

TRACE_ID = "trace_id"
"""The exemplar label the service writes and the Loki structured-metadata key Alloy keeps."""


def _prometheus(plan: Plan) -> dict[str, Any]:
    return {
        "name": "Prometheus",
        "type": "prometheus",
        "uid": PROMETHEUS_UID,
        "access": "proxy",
        "url": plan.prometheus_url,
        "isDefault": True,
        "editable": False,
        "jsonData": {
            "httpMethod": "POST",
            "prometheusType": "Prometheus",
            "timeInterval": "30s",
            "exemplarTraceIdDestinations": [{"name": TRACE_ID, "datasourceUid": TEMPO_UID}],
        },
    }


def _alertmanager(plan: Plan) -> dict[str, Any]:
    return {
        "name": "Alertmanager",
        "type": "alertmanager",
        "uid": ALERTMANAGER_UID,
        "access": "proxy",
        "url": plan.alertmanager_url,
        "editable": False,
        "jsonData": {"implementation": "prometheus", "handleGrafanaManagedAlerts": False},
    }


def _loki(plan: Plan) -> dict[str, Any]:
    return {
        "name": "Loki",
        "type": "loki",
        "uid": LOKI_UID,
        "access": "proxy",
        "url": plan.loki_url,
        "editable": False,
        "jsonData": {
            "maxLines": 1000,
            "derivedFields": [
                {
                    "name": TRACE_ID,
                    "matcherType": "label",
                    "matcherRegex": TRACE_ID,
                    "datasourceUid": TEMPO_UID,
                    "url": "$${__value.raw}",
                    "urlDisplayLabel": "View trace",
                }
            ],
        },
    }


def _tempo(plan: Plan) -> dict[str, Any]:
    return {
        "name": "Tempo",
        "type": "tempo",
        "uid": TEMPO_UID,
        "access": "proxy",
        "url": plan.tempo_url,
        "editable": False,
        "jsonData": {
            "tracesToLogsV2": {
                "datasourceUid": LOKI_UID,
                "spanStartTimeShift": "-5m",
                "spanEndTimeShift": "5m",
                "filterByTraceID": True,
                "filterBySpanID": False,
                "tags": [
                    {"key": "service.name", "value": "app"},
                    {"key": "k8s.namespace.name", "value": "namespace"},
                ],
                # Match the structured metadata exactly instead of a line filter.
                "customQuery": True,
                "query": '{$${__tags}} | trace_id="$${__span.traceId}"',
            },
            "tracesToMetrics": {
                "datasourceUid": PROMETHEUS_UID,
                "spanStartTimeShift": "-5m",
                "spanEndTimeShift": "5m",
                "tags": [{"key": "service.name", "value": "job"}],
                "queries": [
                    {
                        "name": "Request rate",
                        "query": "sum by (route, code) (rate(http_requests_total{$${__tags}}[5m]))",
                    },
                    {
                        "name": "p99 latency",
                        "query": "histogram_quantile(0.99, sum(rate("
                        "http_request_duration_seconds{$${__tags}}[5m])))",
                    },
                ],
            },
            "serviceMap": {"datasourceUid": PROMETHEUS_UID},
            "nodeGraph": {"enabled": True},
            "lokiSearch": {"datasourceUid": LOKI_UID},
            "search": {"hide": False},
            "traceQuery": {
                "timeShiftEnabled": True,
                "spanStartTimeShift": "-1h",
                "spanEndTimeShift": "1h",
            },
        },
    }


def datasources(plan: Plan) -> dict[str, Any]:
    """The provisioning file (`apiVersion: 1`) the Grafana sidecar loads."""
    return {
        "apiVersion": 1,
        "datasources": [_prometheus(plan), _alertmanager(plan), _loki(plan), _tempo(plan)],
    }
