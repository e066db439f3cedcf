"""kube-prometheus-stack values: Prometheus, Alertmanager, Grafana, the operator and exporters.

Keys are those of chart 88.5.3 (Prometheus v3.14, operator v0.93). Choices
that the chart would otherwise make for us:

- The CRDs are a release of their own (`kps_crd_values`), applied and established
  before the main one: the operator checks for its CRDs once, at start, and never
  reconciles a Prometheus or Alertmanager whose CRD it did not find then.
- helm.v4.Chart runs no Helm hooks, and the operator's admission webhook gets
  its certificate from hook jobs: the webhook is disabled, and so is the
  operator's own TLS listener, which mounts that same hook-made Secret.
  PrometheusRules are checked by promtool in CI instead.
- The ServiceMonitor and PrometheusRule selectors are set explicitly from
  `ObservabilityEndpoints` (`release: <kps release>`), in any namespace; the
  PodMonitor and Probe selectors keep the chart's `release` default.
- Prometheus 3.9+ made the `native-histograms` flag a no-op: native histograms
  are scraped through `scrapeNativeHistograms`, classic buckets are kept with
  `scrapeClassicHistograms` (the SLO rules read `_bucket{le=...}`), and
  exemplars still need the `exemplar-storage` feature.
- Alertmanager reads its config from our Secret (receivers hold credentials).
- Grafana reads its admin password from our Secret and its datasources from
  our ConfigMap; the chart's own datasources are off.
- node-exporter needs host namespaces and hostPath; it runs in a namespace of
  its own so that the stack's namespace can enforce `restricted`.
"""

from __future__ import annotations

from typing import Any

from .budget import Workload, container_requests
from .plan import ALERTMANAGER_CONFIG_SECRET, GRAFANA_ADMIN_SECRET, Plan
from .security import container_security_context, pod_security_context
from .sizing import replicas, size

HIDDEN_ON_MANAGED = ("kubeScheduler", "kubeControllerManager", "kubeEtcd", "kubeProxy")
"""Scrape targets a managed control plane does not expose (kube-proxy binds its
metrics to 127.0.0.1 on EKS, GKE and AKS nodes)."""

_RULES_FOR_HIDDEN = {
    "kubeScheduler": ("kubeSchedulerAlerting", "kubeSchedulerRecording"),
    "kubeControllerManager": ("kubeControllerManager",),
    "kubeEtcd": ("etcd",),
    "kubeProxy": ("kubeProxy",),
}

SCRAPE_PROTOCOLS = [
    "PrometheusProto",
    "OpenMetricsText1.0.0",
    "OpenMetricsText0.0.1",
    "PrometheusText0.0.4",
]
"""Protobuf first: native histograms are only exposed in the protobuf format."""


def _pvc(size_: str, storage_class: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": size_}},
    }
    if storage_class:
        spec["storageClassName"] = storage_class
    return {"volumeClaimTemplate": {"spec": spec}}


def _prometheus(plan: Plan) -> dict[str, Any]:
    cfg = plan.settings
    spec: dict[str, Any] = {
        "replicas": replicas("prometheus", plan.profile),
        "retention": cfg.retention.metrics,
        **(
            {"storageSpec": _pvc(cfg.storage.prometheus, cfg.storage.storage_class)}
            if cfg.storage.persistent
            else {}
        ),
        "resources": size("prometheus", plan.profile),
        "externalLabels": {"cluster": plan.cluster},
        "enableFeatures": ["exemplar-storage"],
        "exemplars": {"maxSize": 100000},
        "scrapeNativeHistograms": True,
        "scrapeClassicHistograms": True,
        "scrapeProtocols": SCRAPE_PROTOCOLS,
        "enableRemoteWriteReceiver": plan.tempo_metrics_generator,
        # Written out, from the same contract GoService and AlertRules label their
        # objects with: the chart's implicit `release: <Release.Name>` default would
        # keep working only while nobody renames the release.
        "ruleSelector": {"matchLabels": dict(plan.endpoints.rule_labels)},
        "serviceMonitorSelector": {"matchLabels": dict(plan.endpoints.monitor_labels)},
        "podMonitorSelectorNilUsesHelmValues": True,
        "probeSelectorNilUsesHelmValues": True,
        "securityContext": pod_security_context(1000, 2000),
        "podAntiAffinity": "hard" if plan.ha else "",
        "podAntiAffinityTopologyKey": "kubernetes.io/hostname",
        **plan.placement.chart_values(),
    }
    if plan.ha:
        spec["topologySpreadConstraints"] = [_zone_spread("prometheus")]
    return {"prometheusSpec": spec, "podDisruptionBudget": {"enabled": plan.ha, "minAvailable": 1}}


def _zone_spread(app: str) -> dict[str, Any]:
    """Spread replicas over zones when the nodes have zone labels; never block scheduling."""
    return {
        "maxSkew": 1,
        "topologyKey": "topology.kubernetes.io/zone",
        "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": app}},
    }


def _alertmanager(plan: Plan) -> dict[str, Any]:
    cfg = plan.settings
    return {
        "podDisruptionBudget": {"enabled": plan.ha, "minAvailable": 2 if plan.ha else 1},
        "alertmanagerSpec": {
            "replicas": replicas("alertmanager", plan.profile),
            "useExistingSecret": True,
            "configSecret": ALERTMANAGER_CONFIG_SECRET,
            **(
                {"storage": _pvc(cfg.storage.alertmanager, cfg.storage.storage_class)}
                if cfg.storage.persistent
                else {}
            ),
            "resources": size("alertmanager", plan.profile),
            "securityContext": pod_security_context(1000, 2000),
            "podAntiAffinity": "hard" if plan.ha else "",
            "podAntiAffinityTopologyKey": "kubernetes.io/hostname",
            **plan.placement.chart_values(),
        },
    }


def _grafana(plan: Plan) -> dict[str, Any]:
    cfg = plan.settings
    values: dict[str, Any] = {
        "enabled": True,
        "replicas": replicas("grafana", plan.profile),
        "admin": {
            "existingSecret": GRAFANA_ADMIN_SECRET,
            "userKey": "admin-user",
            "passwordKey": "admin-password",
        },
        "defaultDashboardsEnabled": True,
        "resources": size("grafana", plan.profile),
        "securityContext": pod_security_context(472),
        "containerSecurityContext": container_security_context(),
        "initChownData": {"enabled": False},
        # Grafana is AGPL: where the cluster has no image of it, its pod is a stand-in.
        **plan.stand_in_placement.chart_values(),
        # A ReadWriteOnce volume cannot be attached to the old and the new pod at once.
        "deploymentStrategy": {"type": "Recreate"},
        "persistence": {
            "enabled": cfg.storage.persistent,
            "type": "pvc",
            "size": cfg.storage.grafana,
            **(
                {"storageClassName": cfg.storage.storage_class} if cfg.storage.storage_class else {}
            ),
        },
        "sidecar": {
            "resources": size("grafana-sidecar", plan.profile),
            "securityContext": container_security_context(),
            "dashboards": {
                "enabled": True,
                "label": "grafana_dashboard",
                "labelValue": "1",
                "searchNamespace": "ALL",
            },
            "datasources": {
                "enabled": True,
                "label": "grafana_datasource",
                "labelValue": "1",
                "defaultDatasourceEnabled": False,
                "alertmanager": {"enabled": False},
            },
        },
        "serviceMonitor": {"enabled": plan.scrape_stand_ins},
        "grafana.ini": {
            "analytics": {"reporting_enabled": False, "check_for_updates": False},
            "auth.anonymous": {"enabled": False},
            "users": {"allow_sign_up": False},
        },
    }
    if cfg.grafana_host:
        host = cfg.grafana_host
        values["ingress"] = {
            "enabled": True,
            "hosts": [host],
            "tls": [{"hosts": [host], "secretName": "grafana-tls"}],
        }
        values["grafana.ini"]["server"] = {"root_url": f"https://{host}/"}
    return values


DEPENDS_ON = "config.kubernetes.io/depends-on"
"""The annotation helm.v4.Chart (and yaml.v2) reads for ordering within a release."""


def _operator_rbac(plan: Plan) -> str:
    """The operator's ServiceAccount, ClusterRole and binding, as depends-on references."""
    name = f"{plan.releases.kps}-operator"
    return ",".join(
        (
            f"/namespaces/{plan.namespace}/ServiceAccount/{name}",
            f"rbac.authorization.k8s.io/ClusterRole/{name}",
            f"rbac.authorization.k8s.io/ClusterRoleBinding/{name}",
        )
    )


def kps_values(plan: Plan) -> dict[str, Any]:
    """Chart values for kube-prometheus-stack on one target."""
    managed = plan.managed_control_plane
    values: dict[str, Any] = {
        "fullnameOverride": plan.releases.kps,
        "crds": {"enabled": False},  # applied first, by kps_crd_values' release
        "defaultRules": {
            "create": True,
            "rules": {
                rule: not managed
                for hidden in HIDDEN_ON_MANAGED
                for rule in _RULES_FOR_HIDDEN[hidden]
            },
        },
        "prometheusOperator": {
            "admissionWebhooks": {"enabled": False, "patch": {"enabled": False}},
            "tls": {"enabled": False},
            "resources": size("prometheus-operator", plan.profile),
            "prometheusConfigReloader": {"resources": size("config-reloader", plan.profile)},
            # The operator checks its permissions once, at start, and never manages what it
            # was not allowed to then: its Deployment waits for its RBAC (helm.v4.Chart
            # applies in parallel what Helm would apply in kind order).
            "annotations": {DEPENDS_ON: _operator_rbac(plan)},
            # Kubelets of avoided nodes (kwok's) serve nothing: no scrape target for them.
            "kubeletService": {"selector": plan.placement.node_label_selector()},
            **plan.placement.chart_values(),
        },
        "prometheus": _prometheus(plan),
        "alertmanager": _alertmanager(plan),
        "grafana": _grafana(plan),
        "kube-state-metrics": {
            "resources": size("kube-state-metrics", plan.profile),
            **plan.placement.chart_values(),
        },
        "nodeExporter": {"enabled": True},
        "prometheus-node-exporter": {
            "namespaceOverride": plan.node_exporter_namespace,
            "resources": size("node-exporter", plan.profile),
            # Host namespaces and hostPath are what it needs; nothing more.
            "securityContext": pod_security_context(65534),
            "containerSecurityContext": container_security_context(),
            # The chart tolerates every NoSchedule taint: keep its tolerations, add ours,
            # and stay off the nodes the target sets apart.
            **plan.placement.chart_values(affinity=True),
            "tolerations": [
                {"effect": "NoSchedule", "operator": "Exists"},
                *map(dict, plan.placement.tolerations),
            ],
            # Nodes that share one host's network would bind 9100 twice: the pod's own
            # network then (its network metrics are the pod's, the rest the host's).
            **({} if plan.host_network else {"hostNetwork": False}),
            # HostToContainer needs a shared or slave root mount on the node.
            **(
                {}
                if plan.host_mount_propagation
                else {"hostRootFsMount": {"enabled": True, "mountPropagation": ""}}
            ),
        },
    }
    for component in HIDDEN_ON_MANAGED:
        values[component] = {"enabled": not managed}
    return values


CRD_ONLY_SWITCHES = {
    "defaultRules": {"create": False},
    "windowsMonitoring": {"enabled": False},
    "alertmanager": {"enabled": False},
    "grafana": {"enabled": False},
    "kubernetesServiceMonitors": {"enabled": False},
    "kubeStateMetrics": {"enabled": False},
    "nodeExporter": {"enabled": False},
    "prometheusOperator": {"enabled": False},
    "prometheus": {"enabled": False},
    "thanosRuler": {"enabled": False},
}
"""Every switch of the chart's templates off: what is left is the `crds` subchart."""


def kps_crd_values(plan: Plan) -> dict[str, Any]:
    """The same chart rendering its CRDs alone (10 of them in 88.5.3, and nothing else)."""
    return {"fullnameOverride": plan.releases.kps, "crds": {"enabled": True}, **CRD_ONLY_SWITCHES}


def kps_workloads(values: dict[str, Any]) -> list[Workload]:
    """The pods these values create, read back from the values themselves."""
    prom = values["prometheus"]["prometheusSpec"]
    am = values["alertmanager"]["alertmanagerSpec"]
    graf = values["grafana"]
    reloader = values["prometheusOperator"]["prometheusConfigReloader"]["resources"]
    sidecars = sum(1 for key in ("dashboards", "datasources") if graf["sidecar"][key]["enabled"])
    return [
        container_requests("prometheus", prom["resources"], prom["replicas"]),
        container_requests("prometheus-config-reloader", reloader, prom["replicas"]),
        container_requests("alertmanager", am["resources"], am["replicas"]),
        container_requests("alertmanager-config-reloader", reloader, am["replicas"]),
        container_requests("prometheus-operator", values["prometheusOperator"]["resources"]),
        container_requests("kube-state-metrics", values["kube-state-metrics"]["resources"]),
        container_requests(
            "node-exporter", values["prometheus-node-exporter"]["resources"], per_node=True
        ),
        container_requests("grafana", graf["resources"], graf["replicas"]),
        container_requests(
            "grafana-sidecars", graf["sidecar"]["resources"], graf["replicas"] * sidecars
        ),
    ]
