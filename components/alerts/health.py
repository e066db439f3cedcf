"""Health rules for the service and the stack that serves it.

Symptoms of the service first (down, errors, latency), then the Kubernetes
causes that usually sit behind them, then the observability stack itself:
an alert pipeline that cannot ingest, evaluate or notify fails silently.
Every metric used here is listed, with its source, in known_metrics.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Alert, RuleGroup
from .scope import AlertScope


@dataclass(frozen=True)
class HealthThresholds:
    """Thresholds of the health rules; defaults follow the upstream mixins."""

    error_ratio: float = 0.05
    """5xx share of API requests over 5m (warning)."""
    p99_latency_seconds: float = 1.0
    """p99 of API request duration over 5m (warning)."""
    restarts_per_hour: int = 3
    """Container restarts within 1h above which it is 'restarting often'."""
    memory_limit_ratio: float = 0.9
    """Working set over memory limit (OOM kill comes at 1.0)."""
    cpu_throttled_ratio: float = 0.25
    """Share of CFS periods throttled (kubernetes-mixin CPUThrottlingHigh)."""
    pvc_free_ratio: float = 0.1
    """Free share of a volume below which it is filling up."""
    ingestion_error_ratio: float = 0.01
    """Share of log/span pushes that fail."""
    notification_failure_ratio: float = 0.01
    """Share of Alertmanager notifications that fail (alertmanager-mixin)."""


def _pct(value: float) -> str:
    return f"{value:.0%}"


def service_group(scope: AlertScope, t: HealthThresholds) -> RuleGroup:
    """Symptoms seen on the service's own metrics."""
    svc = scope.service
    sel = scope.api_selector
    by = "namespace, job"
    return RuleGroup(
        name=f"service-{svc}",
        rules=(
            Alert(
                alert="ServiceDown",
                expr=f'absent(up{{job="{svc}"}} == 1)',
                for_="5m",
                severity="critical",
                summary=f"{svc} has no target that Prometheus can scrape",
                description=(
                    f'No target of job "{svc}" has been up for 5 minutes: the service is down '
                    "or Prometheus cannot find it (ServiceMonitor, labels, network policy)."
                ),
                labels={"service": svc},
            ),
            Alert(
                alert="ServiceTargetDown",
                expr=f'up{{job="{svc}"}} == 0',
                for_="5m",
                severity="warning",
                summary=f"A {svc} pod cannot be scraped",
                description=(
                    "Prometheus has failed to scrape {{ $labels.pod }} ({{ $labels.instance }}) "
                    "in namespace {{ $labels.namespace }} for 5 minutes."
                ),
                labels={"service": svc},
            ),
            Alert(
                alert="ServiceHighErrorRate",
                expr=(
                    f'sum by ({by}) (rate(http_requests_total{{{sel}, code=~"5.."}}[5m]))\n'
                    f"/\nsum by ({by}) (rate(http_requests_total{{{sel}}}[5m]))\n"
                    f"> {t.error_ratio:g}"
                ),
                for_="10m",
                severity="warning",
                summary=f"{svc} answers more than {_pct(t.error_ratio)} of API requests with 5xx",
                description=(
                    "{{ $value | humanizePercentage }} of API requests to {{ $labels.job }} in "
                    "{{ $labels.namespace }} failed with a 5xx status over the last 5 minutes "
                    f"(threshold {_pct(t.error_ratio)})."
                ),
                labels={"service": svc},
            ),
            Alert(
                alert="ServiceHighLatency",
                expr=(
                    f"histogram_quantile(0.99, sum by ({by}, le) "
                    f"(rate(http_request_duration_seconds_bucket{{{sel}}}[5m])))\n"
                    f"> {t.p99_latency_seconds:g}"
                ),
                for_="10m",
                severity="warning",
                summary=f"{svc} p99 API latency is above {t.p99_latency_seconds:g}s",
                description=(
                    "The 99th percentile of API request duration of {{ $labels.job }} in "
                    "{{ $labels.namespace }} is {{ $value | humanizeDuration }} "
                    f"(threshold {t.p99_latency_seconds:g}s)."
                ),
                labels={"service": svc},
            ),
        ),
    )


def kubernetes_group(scope: AlertScope, t: HealthThresholds) -> RuleGroup:
    """Workload health from kube-state-metrics, cAdvisor and the kubelet."""
    ns = f'namespace=~"{scope.namespaces_regex}"'
    pcc = "namespace, pod, container"
    return RuleGroup(
        name="kubernetes-workloads",
        rules=(
            Alert(
                alert="PodCrashLooping",
                expr=(
                    f"max by ({pcc}) (kube_pod_container_status_waiting_reason"
                    f'{{{ns}, reason="CrashLoopBackOff"}}) >= 1'
                ),
                for_="15m",
                severity="warning",
                summary="A container is in CrashLoopBackOff",
                description=(
                    "Container {{ $labels.container }} of pod {{ $labels.namespace }}/"
                    "{{ $labels.pod }} has been waiting in CrashLoopBackOff for 15 minutes."
                ),
            ),
            Alert(
                alert="PodRestartingOften",
                expr=(
                    f"sum by ({pcc}) (increase(kube_pod_container_status_restarts_total"
                    f"{{{ns}}}[1h])) > {t.restarts_per_hour}"
                ),
                severity="warning",
                summary=f"A container restarted more than {t.restarts_per_hour} times in an hour",
                description=(
                    "Container {{ $labels.container }} of pod {{ $labels.namespace }}/"
                    "{{ $labels.pod }} restarted {{ $value | humanize }} times in the last hour."
                ),
            ),
            Alert(
                alert="ContainerMemoryNearLimit",
                expr=(
                    f'sum by ({pcc}) (container_memory_working_set_bytes{{{ns}, container!=""}})\n'
                    f"/\nsum by ({pcc}) (kube_pod_container_resource_limits"
                    f'{{{ns}, resource="memory"}})\n> {t.memory_limit_ratio:g}'
                ),
                for_="15m",
                severity="warning",
                summary=f"A container uses over {_pct(t.memory_limit_ratio)} of its memory limit",
                description=(
                    "Container {{ $labels.container }} of pod {{ $labels.namespace }}/"
                    "{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory "
                    "limit; at 100% it is OOM-killed."
                ),
            ),
            Alert(
                alert="ContainerCpuThrottled",
                expr=(
                    f"sum by ({pcc}) (increase(container_cpu_cfs_throttled_periods_total"
                    f'{{{ns}, container!=""}}[5m]))\n/\n'
                    f"sum by ({pcc}) (increase(container_cpu_cfs_periods_total"
                    f'{{{ns}, container!=""}}[5m]))\n'
                    f"> {t.cpu_throttled_ratio:g}"
                ),
                for_="15m",
                severity="warning",
                summary=f"A container is CPU-throttled {_pct(t.cpu_throttled_ratio)}+ of the time",
                description=(
                    "Container {{ $labels.container }} of pod {{ $labels.namespace }}/"
                    "{{ $labels.pod }} was throttled in {{ $value | humanizePercentage }} "
                    "of its CFS periods over 5 minutes."
                ),
            ),
            Alert(
                alert="HpaAtMaxReplicas",
                expr=(
                    "max by (namespace, horizontalpodautoscaler) "
                    f"(kube_horizontalpodautoscaler_status_current_replicas{{{ns}}})\n"
                    "== max by (namespace, horizontalpodautoscaler) "
                    f"(kube_horizontalpodautoscaler_spec_max_replicas{{{ns}}})\n"
                    "and\nmax by (namespace, horizontalpodautoscaler) "
                    f"(kube_horizontalpodautoscaler_spec_max_replicas{{{ns}}})\n"
                    "!= max by (namespace, horizontalpodautoscaler) "
                    f"(kube_horizontalpodautoscaler_spec_min_replicas{{{ns}}})"
                ),
                for_="15m",
                severity="warning",
                summary="An HPA has been at its maximum replicas for 15 minutes",
                description=(
                    "HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} runs "
                    "{{ $value }} replicas, its maximum: it cannot scale out any further."
                ),
            ),
            Alert(
                alert="DeploymentRolloutStuck",
                expr=(
                    "max by (namespace, deployment) (kube_deployment_status_condition"
                    f'{{{ns}, condition="Progressing", status="false"}}) == 1'
                ),
                for_="5m",
                severity="warning",
                summary="A Deployment rollout exceeded its progress deadline",
                description=(
                    "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} reports "
                    "Progressing=False (ProgressDeadlineExceeded): its new pods do not get ready."
                ),
            ),
            Alert(
                alert="PersistentVolumeFillingUp",
                expr=(
                    "max by (namespace, persistentvolumeclaim) "
                    f"(kubelet_volume_stats_available_bytes{{{ns}}})\n/\n"
                    "max by (namespace, persistentvolumeclaim) "
                    f"(kubelet_volume_stats_capacity_bytes{{{ns}}})\n< {t.pvc_free_ratio:g}"
                ),
                for_="5m",
                severity="warning",
                summary=f"A volume has less than {_pct(t.pvc_free_ratio)} free space",
                description=(
                    "PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has "
                    "{{ $value | humanizePercentage }} of its capacity free."
                ),
            ),
        ),
    )


def observability_group(scope: AlertScope, t: HealthThresholds) -> RuleGroup:
    """The alerting pipeline itself: logs and traces ingested, rules evaluated, alerts sent."""
    ns = f'namespace="{scope.observability_namespace}"'
    return RuleGroup(
        name="observability-pipeline",
        rules=(
            Alert(
                alert="LokiIngestionErrors",
                expr=(
                    "sum by (namespace, job) (rate(loki_request_duration_seconds_count"
                    f'{{{ns}, route=~"{_LOKI_PUSH_ROUTES}", status_code=~"5.."}}[5m]))\n'
                    "/\nsum by (namespace, job) (rate(loki_request_duration_seconds_count"
                    f'{{{ns}, route=~"{_LOKI_PUSH_ROUTES}"}}[5m]))\n'
                    f"> {t.ingestion_error_ratio:g}"
                ),
                for_="15m",
                severity="warning",
                summary=f"Loki rejects more than {_pct(t.ingestion_error_ratio)} of log pushes",
                description=(
                    "{{ $value | humanizePercentage }} of pushes to {{ $labels.job }} in "
                    "{{ $labels.namespace }} failed with 5xx over 5 minutes: logs are being lost."
                ),
            ),
            Alert(
                alert="TempoIngestionErrors",
                expr=(
                    "sum by (namespace, job) (rate(tempo_receiver_refused_spans"
                    f"{{{ns}}}[5m]))\n/\n(\n"
                    "  sum by (namespace, job) (rate(tempo_receiver_accepted_spans"
                    f"{{{ns}}}[5m]))\n  +\n"
                    "  sum by (namespace, job) (rate(tempo_receiver_refused_spans"
                    f"{{{ns}}}[5m]))\n)\n> {t.ingestion_error_ratio:g}"
                ),
                for_="15m",
                severity="warning",
                summary=f"Tempo refuses over {_pct(t.ingestion_error_ratio)} of received spans",
                description=(
                    "{{ $labels.job }} in {{ $labels.namespace }} refused "
                    "{{ $value | humanizePercentage }} of the spans it received over 5 minutes: "
                    "traces are being lost."
                ),
            ),
            Alert(
                alert="PrometheusRuleEvaluationFailures",
                expr=(
                    "sum by (namespace, pod, rule_group) "
                    f"(increase(prometheus_rule_evaluation_failures_total{{{ns}}}[5m])) > 0"
                ),
                for_="15m",
                severity="critical",
                summary="Prometheus fails to evaluate rules: alerts may be silently broken",
                description=(
                    "{{ $labels.pod }} failed {{ $value | humanize }} rule evaluations of group "
                    "{{ $labels.rule_group }} in the last 5 minutes."
                ),
            ),
            Alert(
                alert="AlertmanagerNotificationsFailing",
                expr=(
                    "sum by (namespace, pod, integration) "
                    f"(rate(alertmanager_notifications_failed_total{{{ns}}}[5m]))\n/\n"
                    "sum by (namespace, pod, integration) "
                    f"(rate(alertmanager_notifications_total{{{ns}}}[5m]))\n"
                    f"> {t.notification_failure_ratio:g}"
                ),
                for_="5m",
                severity="warning",
                summary="Alertmanager fails to deliver notifications",
                description=(
                    "{{ $labels.pod }} failed to send {{ $value | humanizePercentage }} of its "
                    "notifications to {{ $labels.integration }} over 5 minutes."
                ),
            ),
        ),
    )


_LOKI_PUSH_ROUTES = "api_prom_push|loki_api_v1_push|otlp_v1_logs"
"""Loki's route labels for the push paths (/api/prom/push, /loki/api/v1/push, /otlp/v1/logs)."""


def health_rule_groups(
    scope: AlertScope, thresholds: HealthThresholds | None = None
) -> list[RuleGroup]:
    """The service, Kubernetes and observability groups."""
    t = thresholds or HealthThresholds()
    return [service_group(scope, t), kubernetes_group(scope, t), observability_group(scope, t)]
