"""Every exporter metric the generated rules read, with where it is documented.

The Go service's own metrics are not listed: tests/alerts scrape them from the
real binary. Names are the series names Prometheus stores (counters with their
`_total`, histograms with `_bucket`/`_count`). A test fails when an expression
uses a name found neither here nor in the service's /metrics output.
"""

from __future__ import annotations

from types import MappingProxyType

_KSM = "kubernetes/kube-state-metrics"
_CADVISOR = "google/cadvisor docs/storage/prometheus.md"
_KUBELET = "kubernetes/kubernetes pkg/kubelet/metrics/collectors/volume_stats.go"
_KSM_POD = f"{_KSM} docs/metrics/workload/pod-metrics.md"
_KSM_HPA = f"{_KSM} docs/metrics/workload/horizontalpodautoscaler-metrics.md"
_PROM_UP = "prometheus docs/concepts/jobs_instances.md (automatically generated series)"
_PROM_RULES = "prometheus/prometheus rules/manager.go; prometheus-mixin PrometheusRuleFailures"
_AM = "prometheus/alertmanager notify/notify.go; alertmanager-mixin AlertmanagerFailedToSendAlerts"
_LOKI = "grafana/loki production/loki-mixin (loki-writes dashboard, LokiRequestErrors)"
_TEMPO = "grafana/tempo docs/sources/tempo/troubleshooting (unable to see trace); tempo-mixin"

KNOWN_METRICS: MappingProxyType[str, str] = MappingProxyType(
    {
        # Prometheus itself: the synthetic scrape-health series and rule evaluation.
        "up": _PROM_UP,
        "prometheus_rule_evaluation_failures_total": _PROM_RULES,
        # Alertmanager notifications.
        "alertmanager_notifications_total": _AM,
        "alertmanager_notifications_failed_total": _AM,
        # kube-state-metrics.
        "kube_pod_container_status_waiting_reason": _KSM_POD,
        "kube_pod_container_status_restarts_total": _KSM_POD,
        "kube_pod_container_resource_limits": _KSM_POD,
        "kube_horizontalpodautoscaler_status_current_replicas": _KSM_HPA,
        "kube_horizontalpodautoscaler_spec_max_replicas": _KSM_HPA,
        "kube_horizontalpodautoscaler_spec_min_replicas": _KSM_HPA,
        "kube_deployment_status_condition": f"{_KSM} docs/metrics/workload/deployment-metrics.md",
        # cAdvisor (served by the kubelet at /metrics/cadvisor).
        "container_memory_working_set_bytes": _CADVISOR,
        "container_cpu_cfs_periods_total": _CADVISOR,
        "container_cpu_cfs_throttled_periods_total": _CADVISOR,
        # kubelet volume stats.
        "kubelet_volume_stats_available_bytes": _KUBELET,
        "kubelet_volume_stats_capacity_bytes": _KUBELET,
        # Loki: request histogram of every HTTP route, push routes included.
        "loki_request_duration_seconds_count": _LOKI,
        # Tempo: OpenTelemetry receiver counters, prefixed tempo_.
        "tempo_receiver_accepted_spans": _TEMPO,
        "tempo_receiver_refused_spans": _TEMPO,
    }
)
"""Metric name -> the repository file or doc that defines it."""

SERVICE_METRICS: tuple[str, ...] = (
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "http_request_duration_seconds_count",
)
"""The Go service's metrics the rules read (the metric contract); checked against /metrics."""
