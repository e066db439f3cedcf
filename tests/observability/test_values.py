"""Chart values per profile and per control plane."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from components.observability.endpoints import Releases
from components.observability.plan import ALERTMANAGER_CONFIG_SECRET, GRAFANA_ADMIN_SECRET
from components.observability.values_alloy import alloy_config, alloy_values
from components.observability.values_kps import DEPENDS_ON, HIDDEN_ON_MANAGED, kps_values
from components.observability.values_loki import loki_base_values, loki_values
from components.observability.values_tempo import tempo_base_values, tempo_values
from components.targets import storage_values

from .conftest import PlanFactory, resources_blocks, walk

S3_LOKI = storage_values.loki_s3("loki-bucket", "us-east-1")
S3_TEMPO = storage_values.tempo_s3("tempo-bucket", "us-east-1")


def _all_values(plan_factory: PlanFactory, profile: str) -> dict[str, dict[str, Any]]:
    plan = plan_factory(profile)
    loki_fragment = S3_LOKI if plan.object_storage else None
    tempo_fragment = S3_TEMPO if plan.object_storage else None
    return {
        "kps": kps_values(plan),
        "loki": loki_values(plan, loki_fragment),
        "tempo": tempo_values(plan, tempo_fragment),
        "alloy": alloy_values(plan),
    }


# --- kube-prometheus-stack -------------------------------------------------


def test_prometheus_small_profile(make_plan: PlanFactory) -> None:
    values = kps_values(
        make_plan("small", retention={"metrics": "7d"}, storage={"prometheus": "20Gi"})
    )
    spec = values["prometheus"]["prometheusSpec"]
    assert spec["replicas"] == 1
    assert spec["retention"] == "7d"
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["resources"]["requests"]["storage"] == "20Gi"
    assert spec["podAntiAffinity"] == ""
    assert values["alertmanager"]["alertmanagerSpec"]["replicas"] == 1


def test_prometheus_ha_profile(make_plan: PlanFactory) -> None:
    values = kps_values(
        make_plan("ha", cluster="gcp-prod", storage={"storage_class": "premium-rwo"})
    )
    spec = values["prometheus"]["prometheusSpec"]
    assert spec["replicas"] == 2
    assert spec["podAntiAffinity"] == "hard"
    assert spec["externalLabels"] == {"cluster": "gcp-prod"}
    assert spec["storageSpec"]["volumeClaimTemplate"]["spec"]["storageClassName"] == "premium-rwo"
    assert values["prometheus"]["podDisruptionBudget"]["enabled"] is True
    am = values["alertmanager"]["alertmanagerSpec"]
    assert am["replicas"] == 3
    assert am["podAntiAffinity"] == "hard"


def test_prometheus_exemplars_native_histograms_and_remote_write(make_plan: PlanFactory) -> None:
    spec = kps_values(make_plan())["prometheus"]["prometheusSpec"]
    assert "exemplar-storage" in spec["enableFeatures"]
    assert spec["scrapeNativeHistograms"] is True
    assert spec["scrapeClassicHistograms"] is True
    assert spec["scrapeProtocols"][0] == "PrometheusProto"
    # Tempo's metrics generator writes into Prometheus.
    assert spec["enableRemoteWriteReceiver"] is True


def test_prometheus_selects_objects_labelled_with_the_release(make_plan: PlanFactory) -> None:
    values = kps_values(make_plan())
    spec = values["prometheus"]["prometheusSpec"]
    assert values["fullnameOverride"] == "kps"
    assert spec["ruleSelector"] == {"matchLabels": {"release": "kps"}}
    assert spec["serviceMonitorSelector"] == {"matchLabels": {"release": "kps"}}


def test_every_selector_and_name_follows_the_releases(make_plan: PlanFactory) -> None:
    """Renamed releases: the selectors, the other charts' ServiceMonitors and the service
    accounts follow, so nothing keeps saying `kps`, `loki` or `tempo`."""
    releases = Releases(kps="metrics", loki="logs", tempo="traces", alloy="collector")
    plan = replace(make_plan("ha"), releases=releases)
    selector = {"release": "metrics"}
    spec = kps_values(plan)["prometheus"]["prometheusSpec"]
    assert spec["serviceMonitorSelector"]["matchLabels"] == selector
    assert spec["ruleSelector"]["matchLabels"] == selector
    loki = loki_base_values(plan, "object")
    tempo = tempo_base_values(plan)
    alloy = alloy_values(plan)
    assert loki["monitoring"]["serviceMonitor"]["labels"] == selector
    assert tempo["serviceMonitor"]["additionalLabels"] == selector
    assert alloy["serviceMonitor"]["additionalLabels"] == selector
    assert (loki["fullnameOverride"], loki["serviceAccount"]["name"]) == ("logs", "logs")
    assert (tempo["fullnameOverride"], tempo["serviceAccount"]["name"]) == ("traces", "traces")
    assert alloy["fullnameOverride"] == "collector"
    assert plan.prometheus_url.startswith("http://metrics-prometheus.")


def test_admission_webhook_needs_no_hooks(make_plan: PlanFactory) -> None:
    operator = kps_values(make_plan())["prometheusOperator"]
    assert operator["admissionWebhooks"]["enabled"] is False
    assert operator["admissionWebhooks"]["patch"]["enabled"] is False
    # The operator's TLS secret is made by the same hook jobs.
    assert operator["tls"]["enabled"] is False


@pytest.mark.parametrize("managed", [True, False])
def test_hidden_control_plane_targets(make_plan: PlanFactory, managed: bool) -> None:
    values = kps_values(make_plan(managed=managed))
    for component in HIDDEN_ON_MANAGED:
        assert values[component]["enabled"] is (not managed)
    rules = values["defaultRules"]["rules"]
    assert rules["etcd"] is (not managed)
    assert rules["kubeSchedulerAlerting"] is (not managed)
    assert rules["kubeControllerManager"] is (not managed)


def test_alertmanager_config_and_grafana_password_come_from_secrets(make_plan: PlanFactory) -> None:
    values = kps_values(make_plan())
    am = values["alertmanager"]
    assert am["alertmanagerSpec"]["useExistingSecret"] is True
    assert am["alertmanagerSpec"]["configSecret"] == ALERTMANAGER_CONFIG_SECRET
    assert "config" not in am and "stringConfig" not in am
    grafana = values["grafana"]
    assert grafana["deploymentStrategy"] == {"type": "Recreate"}  # RWO volume
    assert grafana["admin"]["existingSecret"] == GRAFANA_ADMIN_SECRET
    assert "adminPassword" not in grafana


def test_grafana_uses_our_datasources_and_dashboard_sidecar(make_plan: PlanFactory) -> None:
    sidecar = kps_values(make_plan())["grafana"]["sidecar"]
    assert sidecar["datasources"]["defaultDatasourceEnabled"] is False
    assert sidecar["datasources"]["alertmanager"]["enabled"] is False
    assert sidecar["dashboards"]["label"] == "grafana_dashboard"
    assert sidecar["dashboards"]["labelValue"] == "1"


def test_grafana_ingress_only_with_a_host(make_plan: PlanFactory) -> None:
    assert "ingress" not in kps_values(make_plan())["grafana"]
    grafana = kps_values(make_plan(grafana_host="grafana.example.com"))["grafana"]
    assert grafana["ingress"]["hosts"] == ["grafana.example.com"]
    assert grafana["ingress"]["tls"][0]["hosts"] == ["grafana.example.com"]


def test_node_exporter_runs_in_its_own_namespace(make_plan: PlanFactory) -> None:
    plan = make_plan()
    values = kps_values(plan)
    assert values["prometheus-node-exporter"]["namespaceOverride"] == "observability-node"
    assert plan.node_exporter_namespace != plan.namespace


# --- every chart -------------------------------------------------------------


@pytest.mark.parametrize("profile", ["small", "ha"])
def test_every_container_has_requests_and_a_memory_limit(
    make_plan: PlanFactory, profile: str
) -> None:
    for chart, values in _all_values(make_plan, profile).items():
        blocks = resources_blocks(values)
        assert blocks, chart
        for path, block in blocks:
            where = f"{chart}:{'.'.join(path)}"
            assert set(block["requests"]) == {"cpu", "memory"}, where
            assert "memory" in block["limits"], where
            assert "cpu" not in block["limits"], where


@pytest.mark.parametrize("profile", ["small", "ha"])
def test_security_contexts_are_restricted(make_plan: PlanFactory, profile: str) -> None:
    for chart, values in _all_values(make_plan, profile).items():
        for path, value in walk(values):
            if path and path[-1] in {"runAsNonRoot"}:
                assert value is True, f"{chart}:{'.'.join(path)}"
            if path and path[-1] == "allowPrivilegeEscalation":
                assert value is False, f"{chart}:{'.'.join(path)}"
            if path and path[-1] in {"hostNetwork", "hostPID", "varlog", "dockercontainers"}:
                assert value is False, f"{chart}:{'.'.join(path)}"
            if path and path[-1] == "capabilities":
                assert value == {"drop": ["ALL"]}, f"{chart}:{'.'.join(path)}"


# --- Loki ---------------------------------------------------------------------


def test_loki_small_is_one_binary_on_a_pvc_without_caches(make_plan: PlanFactory) -> None:
    values = loki_values(make_plan("small", retention={"logs": "3d"}))
    assert values["deploymentMode"] == "Monolithic"
    assert values["singleBinary"]["replicas"] == 1
    assert values["singleBinary"]["persistence"]["enabled"] is True
    assert values["loki"]["storage"]["type"] == "filesystem"
    assert values["loki"]["commonConfig"]["replication_factor"] == 1
    assert values["loki"]["schemaConfig"]["configs"][0]["object_store"] == "filesystem"
    assert values["loki"]["limits_config"]["retention_period"] == "3d"
    assert values["loki"]["limits_config"]["allow_structured_metadata"] is True
    assert values["chunksCache"] == {"enabled": False}
    assert values["resultsCache"] == {"enabled": False}
    for scalable in ("read", "write", "backend"):
        assert values[scalable]["replicas"] == 0
    assert values["gateway"]["enabled"] is False
    assert values["lokiCanary"]["enabled"] is False
    assert values["test"]["enabled"] is False


def test_loki_ha_is_on_the_targets_object_storage(make_plan: PlanFactory) -> None:
    plan = make_plan("ha", pod_labels={"azure.workload.identity/use": "true"})
    values = loki_values(plan, S3_LOKI, {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/loki"})
    assert values["singleBinary"]["replicas"] == 3
    assert values["loki"]["commonConfig"]["replication_factor"] == 3
    assert values["loki"]["storage"]["type"] == "s3"
    assert values["loki"]["storage"]["bucketNames"]["chunks"] == "loki-bucket"
    assert values["loki"]["schemaConfig"]["configs"][0]["object_store"] == "s3"
    assert values["loki"]["compactor"]["delete_request_store"] == "s3"
    assert values["serviceAccount"]["annotations"] == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/loki"
    }
    assert values["singleBinary"]["podLabels"] == {"azure.workload.identity/use": "true"}
    assert values["chunksCache"]["enabled"] is True


def test_loki_ha_without_storage_values_fails_clearly(make_plan: PlanFactory) -> None:
    with pytest.raises(ValueError, match=r"loki\.storage\.type"):
        loki_values(make_plan("ha"), {})


def test_ha_profile_without_object_storage_stays_on_one_pvc_replica(make_plan: PlanFactory) -> None:
    # A target without buckets (existing cluster) cannot run more than one Loki.
    values = loki_values(make_plan("ha", object_storage=False))
    assert values["singleBinary"]["replicas"] == 1
    assert values["loki"]["storage"]["type"] == "filesystem"


# --- Tempo --------------------------------------------------------------------


def test_tempo_small(make_plan: PlanFactory) -> None:
    plan = make_plan("small", retention={"traces": "2d"})
    values = tempo_values(plan)
    assert values["tempo"]["retention"] == "48h"
    assert values["tempo"]["storage"]["trace"]["backend"] == "local"
    assert set(values["tempo"]["receivers"]) == {"otlp"}
    generator = values["tempo"]["metricsGenerator"]
    assert generator["enabled"] is True
    assert (
        generator["remoteWriteUrl"] == "http://kps-prometheus.observability.svc:9090/api/v1/write"
    )
    processors = values["tempo"]["overrides"]["defaults"]["metrics_generator"]["processors"]
    assert set(processors) == {"service-graphs", "span-metrics"}


def test_tempo_ha_on_object_storage(make_plan: PlanFactory) -> None:
    values = tempo_values(make_plan("ha"), S3_TEMPO, {"eks.amazonaws.com/role-arn": "arn"})
    trace = values["tempo"]["storage"]["trace"]
    assert trace["backend"] == "s3"
    assert trace["s3"]["bucket"] == "tempo-bucket"
    assert "local" not in trace
    assert trace["wal"] == {"path": "/var/tempo/wal"}
    assert values["serviceAccount"]["annotations"] == {"eks.amazonaws.com/role-arn": "arn"}


def test_tempo_ha_without_backend_fails_clearly(make_plan: PlanFactory) -> None:
    with pytest.raises(ValueError, match=r"tempo\.storage\.trace\.backend"):
        tempo_values(make_plan("ha"), {"tempo": {}})


# --- Alloy --------------------------------------------------------------------


def test_alloy_is_a_deployment_named_alloy_without_host_mounts(make_plan: PlanFactory) -> None:
    values = alloy_values(make_plan())
    assert values["fullnameOverride"] == "alloy"
    assert values["controller"]["type"] == "deployment"
    assert values["alloy"]["mounts"]["varlog"] is False
    assert values["alloy"]["mounts"]["dockercontainers"] is False
    assert all("hostPath" not in v for v in values["controller"]["volumes"]["extra"])
    ports = {p["name"]: p["port"] for p in values["alloy"]["extraPorts"]}
    assert ports == {"otlp-grpc": 4317, "otlp-http": 4318}


def test_alloy_rbac_reads_pods_and_logs_only(make_plan: PlanFactory) -> None:
    rbac = alloy_values(make_plan())["rbac"]
    rules = rbac["rules"] + rbac["clusterRules"]
    resources = {r for rule in rules for r in rule["resources"]}
    assert resources == {"pods", "pods/log", "namespaces"}
    assert {v for rule in rules for v in rule["verbs"]} == {"get", "list", "watch"}
    # The chart's ClusterRole template breaks on an empty list in either.
    assert rbac["rules"] and rbac["clusterRules"]


def test_alloy_config_pipeline(make_plan: PlanFactory) -> None:
    config = alloy_config(make_plan(cluster="aws-dev"))
    assert 'role = "pod"' in config
    assert "loki.source.kubernetes" in config
    assert "stage.json" in config
    assert 'trace_id = ""' in config and "stage.structured_metadata" in config
    assert 'values = { level = "" }' in config
    assert 'url = "http://loki.observability.svc:3100/loki/api/v1/push"' in config
    assert 'external_labels = { cluster = "aws-dev" }' in config
    assert 'endpoint = "0.0.0.0:4317"' in config and 'endpoint = "0.0.0.0:4318"' in config
    assert 'endpoint = "tempo.observability.svc:4317"' in config
    assert "clustering" not in config
    assert config.count("{") == config.count("}")


def test_alloy_ha_clusters_log_collection(make_plan: PlanFactory) -> None:
    plan = make_plan("ha")
    values = alloy_values(plan)
    assert values["controller"]["replicas"] == 2
    assert values["alloy"]["clustering"]["enabled"] is True
    assert "clustering {\n    enabled = true\n  }" in alloy_config(plan)


def test_the_operator_waits_for_its_rbac(make_plan: PlanFactory) -> None:
    plan = replace(make_plan("small", namespace="telemetry"), releases=Releases(kps="mon"))
    annotation = kps_values(plan)["prometheusOperator"]["annotations"][DEPENDS_ON]
    assert annotation.split(",") == [
        "/namespaces/telemetry/ServiceAccount/mon-operator",
        "rbac.authorization.k8s.io/ClusterRole/mon-operator",
        "rbac.authorization.k8s.io/ClusterRoleBinding/mon-operator",
    ]
