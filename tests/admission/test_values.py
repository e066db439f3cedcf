"""policy-controller values: pods that pass Pod Security `restricted`, fail closed, opt-in."""

from __future__ import annotations

from typing import Any

import pytest
from gantry_policies.pss import evaluate

from components.admission.policy import INCLUDE_LABEL
from components.admission.values import policy_controller_values, webhook_pod_labels


def _rendered_pod(values: dict[str, Any]) -> dict[str, Any]:
    """The webhook pod as the chart's deployment template builds it from these values:
    `webhook.securityContext` is the pod's, `webhook.podSecurityContext` the container's,
    each without its `enabled` switch; the container mounts an emptyDir at $HOME."""
    webhook = values["webhook"]
    pod_sc = {k: v for k, v in webhook["securityContext"].items() if k != "enabled"}
    container_sc = {k: v for k, v in webhook["podSecurityContext"].items() if k != "enabled"}
    assert webhook["securityContext"]["enabled"] and webhook["podSecurityContext"]["enabled"]
    return {
        "securityContext": pod_sc,
        "containers": [
            {
                "name": "policy-controller-webhook",
                "image": "ghcr.io/sigstore/policy-controller/policy-controller@sha256:" + "0" * 64,
                "ports": [{"containerPort": 8443}, {"containerPort": 9090}],
                "securityContext": container_sc,
            }
        ],
        "volumes": [{"name": "writable-home-dir", "emptyDir": {}}],
    }


def test_webhook_pod_passes_pod_security_restricted() -> None:
    pod = _rendered_pod(policy_controller_values(replicas=2))
    assert evaluate({}, pod, "restricted", (1, 34)) == []


def test_chart_defaults_alone_would_not_pass_restricted() -> None:
    """Guards the test above: the chart's own defaults (no pod context) are refused."""
    values = policy_controller_values(replicas=2)
    values["webhook"]["securityContext"] = {"enabled": True}
    values["webhook"]["podSecurityContext"] = {  # the chart's values.yaml
        "enabled": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsUser": 1000,
        "capabilities": {"drop": ["ALL"]},
    }
    failed = {r.rule for r in evaluate({}, _rendered_pod(values), "restricted", (1, 34))}
    assert len(failed) == 2, failed  # runAsNonRoot and seccompProfile


def test_webhook_fails_closed_only_in_opted_in_namespaces() -> None:
    webhook = policy_controller_values(replicas=2)["webhook"]
    assert webhook["failurePolicy"] == "Fail"
    assert webhook["namespaceSelector"] == {
        "matchExpressions": [{"key": INCLUDE_LABEL, "operator": "In", "values": ["true"]}]
    }
    assert webhook["configData"] == {"no-match-policy": "deny"}


def test_the_charts_namespaceless_disruption_budget_is_off() -> None:
    assert policy_controller_values(replicas=3)["webhook"]["podDisruptionBudget"] == {
        "enabled": False
    }


def test_pod_labels_are_what_the_chart_selects() -> None:
    """Chart 0.10.6's Deployment selector (`policy-controller.selectorLabels` plus
    `control-plane: <fullname>-webhook`); re-read it when the pin moves."""
    assert webhook_pod_labels("policy-controller") == {
        "app.kubernetes.io/name": "policy-controller",
        "app.kubernetes.io/instance": "policy-controller",
        "control-plane": "policy-controller-webhook",
    }


def test_identity_annotations_reach_the_webhook_service_account() -> None:
    values = policy_controller_values(replicas=1, service_account_annotations={"a/b": "role"})
    assert values["webhook"]["serviceAccount"] == {"create": True, "annotations": {"a/b": "role"}}
    assert values["installCRDs"] is True


def test_no_webhook_at_all_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        policy_controller_values(replicas=0)
