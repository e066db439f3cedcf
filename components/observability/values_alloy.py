"""Grafana Alloy values (chart 1.11.1, Alloy 1.18): pod logs and the OTLP entry point.

Alloy runs as a Deployment and reads pod logs through the Kubernetes API
(`loki.source.kubernetes`), so it needs no hostPath and no privileges; with
more than one replica, clustering splits the log targets between them. Its
Service is named after its release (fullnameOverride) and exposes OTLP gRPC
and HTTP for the service's traces, which are batched and sent to Tempo.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .budget import Workload, container_requests
from .endpoints import OTLP_GRPC_PORT, OTLP_HTTP_PORT
from .plan import Plan
from .security import container_security_context, pod_security_context
from .sizing import replicas, size

ALLOY_UID = 473
"""The `alloy` user of the upstream image."""
STORAGE_PATH = "/var/lib/alloy"

LOG_LABELS = {
    "__meta_kubernetes_namespace": "namespace",
    "__meta_kubernetes_pod_name": "pod",
    "__meta_kubernetes_pod_container_name": "container",
    "__meta_kubernetes_pod_label_app_kubernetes_io_name": "app",
}
"""Loki stream labels from pod metadata. `app` is the pod's app.kubernetes.io/name."""

STRUCTURED_METADATA = ("trace_id", "span_id")
"""Kept per line, not as labels: unbounded values would explode Loki's index."""


def _string(text: str) -> str:
    """An Alloy string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def alloy_config(plan: Plan) -> str:
    """The Alloy configuration (its own syntax), built from the plan."""
    clustered = replicas("alloy", plan.profile) > 1
    relabel = "\n".join(
        f"  rule {{\n    source_labels = [{_string(src)}]\n    target_label  = {_string(dst)}\n  }}"
        for src, dst in LOG_LABELS.items()
    )
    clustering = "\n  clustering {\n    enabled = true\n  }" if clustered else ""
    metadata = ", ".join(f"{key} = {_string(key)}" for key in STRUCTURED_METADATA)
    metadata_stage = ", ".join(f"{key} = {_string('')}" for key in STRUCTURED_METADATA)
    loki_push = f"{plan.loki_url}/loki/api/v1/push"
    return f"""logging {{
  level  = "info"
  format = "json"
}}

// Pod logs, read through the Kubernetes API: no hostPath, no privileges.
discovery.kubernetes "pods" {{
  role = "pod"
}}

discovery.relabel "pods" {{
  targets = discovery.kubernetes.pods.targets
{relabel}
}}

loki.source.kubernetes "pods" {{
  targets    = discovery.relabel.pods.output
  forward_to = [loki.process.json.receiver]{clustering}
}}

// The service logs slog JSON: level becomes a label, trace and span ids
// structured metadata, so Grafana links a log line to its trace.
loki.process "json" {{
  stage.json {{
    expressions = {{ level = "level", {metadata} }}
  }}
  stage.labels {{
    values = {{ level = "" }}
  }}
  stage.structured_metadata {{
    values = {{ {metadata_stage} }}
  }}
  forward_to = [loki.write.default.receiver]
}}

loki.write "default" {{
  endpoint {{
    url = {_string(loki_push)}
  }}
  external_labels = {{ cluster = {_string(plan.cluster)} }}
}}

// Traces: OTLP in, batched, OTLP gRPC out to Tempo.
otelcol.receiver.otlp "default" {{
  grpc {{
    endpoint = "0.0.0.0:{OTLP_GRPC_PORT}"
  }}
  http {{
    endpoint = "0.0.0.0:{OTLP_HTTP_PORT}"
  }}
  output {{
    traces = [otelcol.processor.batch.default.input]
  }}
}}

otelcol.processor.batch "default" {{
  output {{
    traces = [otelcol.exporter.otlp.tempo.input]
  }}
}}

otelcol.exporter.otlp "tempo" {{
  client {{
    endpoint = {_string(plan.tempo_otlp_grpc)}
    tls {{
      insecure = true
    }}
  }}
}}
"""


def alloy_values(plan: Plan) -> dict[str, Any]:
    """Chart values for Alloy."""
    n = replicas("alloy", plan.profile)
    return {
        "fullnameOverride": plan.releases.alloy,
        "crds": {"create": False},
        "global": {"podSecurityContext": pod_security_context(ALLOY_UID)},
        "alloy": {
            "configMap": {"create": True, "content": alloy_config(plan)},
            "clustering": {"enabled": n > 1},
            "storagePath": STORAGE_PATH,
            "enableReporting": False,
            "resources": size("alloy", plan.profile),
            "securityContext": container_security_context(),
            "mounts": {
                "varlog": False,
                "dockercontainers": False,
                "extra": [{"name": "storage", "mountPath": STORAGE_PATH}],
            },
            "extraPorts": [
                {
                    "name": "otlp-grpc",
                    "port": OTLP_GRPC_PORT,
                    "targetPort": OTLP_GRPC_PORT,
                    "protocol": "TCP",
                    "appProtocol": "grpc",
                },
                {
                    "name": "otlp-http",
                    "port": OTLP_HTTP_PORT,
                    "targetPort": OTLP_HTTP_PORT,
                    "protocol": "TCP",
                },
            ],
        },
        "configReloader": {
            "resources": size("alloy-config-reloader", plan.profile),
        },
        "controller": {
            "type": "deployment",
            "replicas": n,
            "hostNetwork": False,
            "hostPID": False,
            "volumes": {"extra": [{"name": "storage", "emptyDir": {}}]},
            # Alloy's module is not served: where the cluster has no image, a stand-in.
            **plan.stand_in_placement.chart_values(),
            "podDisruptionBudget": {"enabled": n > 1, "minAvailable": 1}
            if n > 1
            else {"enabled": False},
        },
        # Least privilege: pods, their logs and namespaces, nothing else (the chart's
        # default rules also read Secrets and ConfigMaps cluster-wide). Neither list
        # may be empty: the chart's ClusterRole template concatenates both.
        "rbac": {
            "create": True,
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["pods", "pods/log"],
                    "verbs": ["get", "list", "watch"],
                },
            ],
            "clusterRules": [
                {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]},
            ],
        },
        "serviceMonitor": {
            "enabled": plan.scrape_stand_ins,
            "additionalLabels": dict(plan.endpoints.monitor_labels),
        },
    }


def alloy_workloads(values: Mapping[str, Any]) -> list[Workload]:
    n = int(values["controller"]["replicas"])
    return [
        container_requests("alloy", values["alloy"]["resources"], n),
        container_requests("alloy-config-reloader", values["configReloader"]["resources"], n),
    ]
