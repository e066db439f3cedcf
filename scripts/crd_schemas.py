"""JSON schemas for the custom resources gantry renders, transcribed by us.

Kubernetes' own kinds are validated with kubernetes-validate's bundled
OpenAPI schemas. Custom resources have no such bundle and their CRDs cannot
be downloaded here, so this module holds our transcription of the fields
gantry uses from each CRD's openAPIV3Schema: the same types, enums, patterns
and required lists as upstream. It is stricter than upstream in one way on
purpose: `additionalProperties: false` at every level, so a misspelled or
untranscribed field fails instead of being ignored by the API server's
pruning. A new field must be transcribed here before the builders may use it.

ServiceMonitor (monitoring.coreos.com/v1) follows the CRD shipped with
prometheus-operator v0.84.1 (example/prometheus-operator-crd/
monitoring.coreos.com_servicemonitors.yaml), the operator generation that
kube-prometheus-stack 88.x deploys.
"""

from __future__ import annotations

from typing import Any

_DURATION = (
    r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"
)
_SCRAPE_PROTOCOLS = [
    "PrometheusProto",
    "OpenMetricsText0.0.1",
    "OpenMetricsText1.0.0",
    "PrometheusText0.0.4",
    "PrometheusText1.0.0",
]
_RELABEL_ACTIONS = [
    *("replace", "Replace", "keep", "Keep", "drop", "Drop", "hashmod", "HashMod"),
    *("labelmap", "LabelMap", "labeldrop", "LabelDrop", "labelkeep", "LabelKeep"),
    *("lowercase", "Lowercase", "uppercase", "Uppercase"),
    *("keepequal", "KeepEqual", "dropequal", "DropEqual"),
]

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}

_LABEL_SELECTOR: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "matchLabels": _STRING_MAP,
        "matchExpressions": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["key", "operator"],
                "properties": {
                    "key": {"type": "string"},
                    "operator": {"type": "string"},
                    "values": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}

_RELABEL_CONFIG: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "action": {"type": "string", "enum": _RELABEL_ACTIONS},
        "modulus": {"type": "integer"},
        "regex": {"type": "string"},
        "replacement": {"type": "string"},
        "separator": {"type": "string"},
        "sourceLabels": {
            "type": "array",
            "items": {"type": "string", "pattern": r"^[a-zA-Z_][a-zA-Z0-9_]*$"},
        },
        "targetLabel": {"type": "string"},
    },
}

_ENDPOINT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "port": {"type": "string"},
        "targetPort": {"type": ["integer", "string"]},
        "path": {"type": "string"},
        "scheme": {"type": "string", "enum": ["http", "https"]},
        "interval": {"type": "string", "pattern": _DURATION},
        "scrapeTimeout": {"type": "string", "pattern": _DURATION},
        "honorLabels": {"type": "boolean"},
        "honorTimestamps": {"type": "boolean"},
        "enableHttp2": {"type": "boolean"},
        "followRedirects": {"type": "boolean"},
        "filterRunning": {"type": "boolean"},
        "params": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "relabelings": {"type": "array", "items": _RELABEL_CONFIG},
        "metricRelabelings": {"type": "array", "items": _RELABEL_CONFIG},
    },
}

_OBJECT_META: dict[str, Any] = {
    "type": "object",
    "required": ["name", "namespace"],
    "properties": {
        "name": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 253},
        "namespace": {
            "type": "string",
            "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
            "maxLength": 63,
        },
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
    },
}

SERVICE_MONITOR_V1: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "ServiceMonitor monitoring.coreos.com/v1, prometheus-operator v0.84.1 (transcribed)",
    "type": "object",
    "additionalProperties": False,
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "ServiceMonitor"},
        "metadata": _OBJECT_META,
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["endpoints", "selector"],
            "properties": {
                "endpoints": {"type": "array", "items": _ENDPOINT},
                "selector": _LABEL_SELECTOR,
                "namespaceSelector": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "any": {"type": "boolean"},
                        "matchNames": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "jobLabel": {"type": "string"},
                "targetLabels": {"type": "array", "items": {"type": "string"}},
                "podTargetLabels": {"type": "array", "items": {"type": "string"}},
                "sampleLimit": {"type": "integer"},
                "targetLimit": {"type": "integer"},
                "labelLimit": {"type": "integer"},
                "scrapeProtocols": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"type": "string", "enum": _SCRAPE_PROTOCOLS},
                },
                "fallbackScrapeProtocol": {"type": "string", "enum": _SCRAPE_PROTOCOLS},
                "scrapeClassicHistograms": {"type": "boolean"},
                "convertClassicHistogramsToNHCB": {"type": "boolean"},
                "nativeHistogramBucketLimit": {"type": "integer"},
            },
        },
    },
}

CUSTOM_RESOURCE_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): SERVICE_MONITOR_V1,
}
"""(apiVersion, kind) -> schema, for every custom resource gantry renders."""
