"""Namespace, ServiceAccount, ServiceMonitor, Ingress, labels and the full object list."""

from __future__ import annotations

import pytest

from components.go_service import ingress, labels, manifests, monitoring, namespace
from components.go_service.spec import ServiceSpec

from .conftest import service_spec, stack_spec


def test_namespace_enforces_audits_and_warns_restricted_with_a_pinned_version() -> None:
    ns = namespace.namespace(service_spec({"namespace": "shop"}))
    assert ns["metadata"]["name"] == "shop"
    ns_labels = ns["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert ns_labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
        assert ns_labels[f"pod-security.kubernetes.io/{mode}-version"] == "v1.32"
    assert ns_labels["app.kubernetes.io/part-of"] == "gantry"


def test_namespace_opts_in_to_signature_verification_only_when_asked() -> None:
    plain = namespace.namespace(service_spec())["metadata"]["labels"]
    assert "policy.sigstore.dev/include" not in plain
    signed = namespace.namespace(service_spec(signature_verification=True))["metadata"]["labels"]
    assert signed["policy.sigstore.dev/include"] == "true"
    assert {k: v for k, v in signed.items() if k != "policy.sigstore.dev/include"} == plain


def test_prod_namespace_is_verified_and_dev_is_not() -> None:
    assert stack_spec("prod").signature_verification is True
    assert stack_spec("dev").signature_verification is False


def test_service_account_without_token_and_with_identity_annotations() -> None:
    plain = namespace.service_account(service_spec())
    assert plain["automountServiceAccountToken"] is False
    assert "annotations" not in plain["metadata"]
    bound = namespace.service_account(
        service_spec(
            service_account_annotations={
                "iam.gke.io/gcp-service-account": "hello@p.iam.gserviceaccount.com"
            }
        )
    )
    assert bound["metadata"]["annotations"] == {
        "iam.gke.io/gcp-service-account": "hello@p.iam.gserviceaccount.com"
    }
    assert namespace.service_account(service_spec({"needs_kubernetes_api": True}))[
        "automountServiceAccountToken"
    ]


def test_standard_labels() -> None:
    assert labels.standard_labels(service_spec()) == {
        "app.kubernetes.io/name": "hello",
        "app.kubernetes.io/instance": "hello",
        "app.kubernetes.io/version": "1.2.3",
        "app.kubernetes.io/component": "api",
        "app.kubernetes.io/part-of": "gantry",
        "app.kubernetes.io/managed-by": "pulumi",
    }


def test_service_monitor_is_selected_by_the_kps_prometheus() -> None:
    sm = monitoring.service_monitor(service_spec())
    assert sm is not None
    assert sm["apiVersion"] == "monitoring.coreos.com/v1"
    assert sm["metadata"]["labels"]["release"] == "kps"
    assert sm["metadata"]["namespace"] == "hello"
    assert sm["spec"]["selector"] == {
        "matchLabels": {"app.kubernetes.io/name": "hello", "app.kubernetes.io/instance": "hello"}
    }
    assert sm["spec"]["namespaceSelector"] == {"matchNames": ["hello"]}
    assert "jobLabel" not in sm["spec"]  # job = the Service's name, as the SLO rules select
    assert sm["spec"]["scrapeClassicHistograms"] is True
    assert sm["spec"]["scrapeProtocols"][0] == "PrometheusProto"
    (endpoint,) = sm["spec"]["endpoints"]
    assert endpoint["port"] == "http"
    assert endpoint["path"] == "/metrics"
    assert endpoint["scheme"] == "http"
    assert endpoint["honorLabels"] is False


def test_no_service_monitor_without_the_observability_stack() -> None:
    assert monitoring.service_monitor(service_spec(observability=None)) is None


def test_ingress_has_tls_class_and_issuer() -> None:
    spec = service_spec(
        {
            "ingress": {
                "enabled": True,
                "host": "hello.example.com",
                "class_name": "traefik",
                "cluster_issuer": "le-prod",
            }
        }
    )
    obj = ingress.ingress(spec)
    assert obj is not None
    assert obj["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "le-prod"}
    body = obj["spec"]
    assert body["ingressClassName"] == "traefik"
    assert body["tls"] == [{"hosts": ["hello.example.com"], "secretName": "hello-tls"}]
    (rule,) = body["rules"]
    assert rule["host"] == "hello.example.com"
    (path,) = rule["http"]["paths"]
    assert path["backend"] == {"service": {"name": "hello", "port": {"name": "http"}}}


def test_no_ingress_unless_enabled() -> None:
    assert ingress.ingress(service_spec()) is None


def _kinds(spec: ServiceSpec) -> list[str]:
    return [obj["kind"] for obj in manifests.render(spec)]


def test_prod_renders_every_object_in_apply_order() -> None:
    assert _kinds(stack_spec("prod")) == [
        "Namespace",
        "ServiceAccount",
        "NetworkPolicy",
        "NetworkPolicy",
        "NetworkPolicy",
        "Service",
        "PriorityClass",
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "ServiceMonitor",
        "Ingress",
    ]


def test_dev_has_no_ingress_and_no_stack_means_no_monitoring() -> None:
    assert "Ingress" not in _kinds(stack_spec("dev"))
    assert "ServiceMonitor" in _kinds(stack_spec("dev"))
    assert "ServiceMonitor" in _kinds(stack_spec("local"))
    assert "ServiceMonitor" not in _kinds(stack_spec("local", observability=None))


@pytest.mark.parametrize("stack", ["local", "dev", "prod"])
def test_every_namespaced_object_is_in_the_service_namespace(stack: str) -> None:
    for obj in manifests.render(stack_spec(stack)):
        metadata = obj["metadata"]
        if obj["kind"] in ("Namespace", "PriorityClass"):  # cluster-scoped
            assert "namespace" not in metadata
            continue
        assert metadata["namespace"] == "hello"
        assert metadata["namespace"] != "default"
        assert metadata["labels"]["app.kubernetes.io/managed-by"] == "pulumi"
