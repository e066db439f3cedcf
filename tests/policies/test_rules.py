"""Per-rule behaviour: compliant passes, one-field mutations fail with the exact message,
levels, exemptions and preview unknowns."""

from __future__ import annotations

import copy
from typing import Any

import gantry_policies
import pytest
from helpers import (
    POD_TYPES,
    DeferredToUpdateError,
    _NotApplicableError,
    level,
    run,
    run_stack,
    wrap_pod,
)
from pulumi_policy import EnforcementLevel
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

GOOD_POD: dict[str, Any] = {
    "metadata": {"name": "hello", "labels": {"app": "hello"}},
    "spec": {
        "serviceAccountName": "hello",
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            {
                "name": "app",
                "image": "reg.example/hello:1.0@sha256:" + "a" * 64,
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                },
                "resources": {
                    "requests": {"cpu": "50m", "memory": "64Mi"},
                    "limits": {"memory": "128Mi", "cpu": "1"},
                },
                "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}},
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
            }
        ],
    },
}
CONFIG = {"allowedRegistries": ["reg.example"], "firstPartyRepositories": ["reg.example/hello"]}
WORKLOAD_RULES = ["K01", "K02", "K03", "K04", "K05", "K06", "K07", "K08", "K09", "K10",
                  "K11", "K12", "K13", "K14", "K14a", "K15", "K16", "K16a", "K17", "K18", "K18a"]  # fmt: skip


def _pod(**changes: Any) -> dict[str, Any]:
    pod = copy.deepcopy(GOOD_POD)
    for path, value in changes.items():
        node = pod["spec"]
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        node[keys[-1]] = value
    return pod


def _all(kind: str, pod: dict[str, Any], config: dict[str, Any] | None = None) -> list[str]:
    props = wrap_pod(kind, pod)
    return [
        m for rule in WORKLOAD_RULES for m in run(rule, POD_TYPES[kind], props, config or CONFIG)
    ]


@pytest.mark.parametrize("kind", list(POD_TYPES))
def test_compliant_workload_passes_every_rule(kind: str) -> None:
    assert _all(kind, GOOD_POD) == []


D = {"Pod": "Pod apps/hello", "Deployment": "Deployment apps/hello"}
MUTATIONS = [
    ("K01", {"containers__0__securityContext__privileged": True},
     '{d} violates Pod Security "restricted" (privileged): container "app" must not set'
     " securityContext.privileged=true."),
    ("K02", {"hostPID": True}, '{d} violates Pod Security "restricted" (hostNamespaces): pod must not set hostPID=true.'),
    ("K08", {"containers__0__securityContext__allowPrivilegeEscalation": True},
     '{d} violates Pod Security "restricted" (allowPrivilegeEscalation): container "app" must set'
     " securityContext.allowPrivilegeEscalation=false."),
    ("K09", {"securityContext__runAsUser": 0},
     '{d} violates Pod Security "restricted" (runAsUser): pod must not set runAsUser=0 (use a non-zero uid such'
     " as 65532)."),
    ("K11", {"containers__0__securityContext__readOnlyRootFilesystem": False},
     '{d}: container "app" must set securityContext.readOnlyRootFilesystem=true (mount an emptyDir where it'
     " writes)."),
    ("K12", {"containers__0__image": "reg.example/hello:1.0"},
     '{d}: container "app" runs project image "reg.example/hello:1.0" without a digest; deploy docker-build'
     " Image.ref (tag@sha256:...)."),
    ("K13", {"containers__0__image": "docker.io/library/nginx:1.27"},
     '{d}: container "app" pulls "docker.io/library/nginx:1.27" from docker.io, which is not an allowed registry'
     " (reg.example); mirror it or add the registry to the config."),
    ("K14", {"containers__0__resources": {}},
     '{d}: container "app" must set resources.requests.cpu, resources.requests.memory, resources.limits.memory.'),
    ("K16", {"automountServiceAccountToken": True},
     "{d}: set {p}automountServiceAccountToken=false; mount a projected token only in pods that call the API"
     " (or exempt them in the pack config with a reason)."),
    ("K18", {"containers__0__env": [{"name": "DB_PASSWORD", "value": "hunter2"}]},
     '{d}: env "DB_PASSWORD" carries a literal secret-like value; use valueFrom.secretKeyRef or a mounted Secret'
     " file."),
]  # fmt: skip


@pytest.mark.parametrize("kind", ["Pod", "Deployment"])
@pytest.mark.parametrize(("rule", "change", "expected"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_single_mutation_fails_with_exact_message(
    kind: str, rule: str, change: dict[str, Any], expected: str
) -> None:
    prefix = "spec." if kind == "Pod" else "spec.template.spec."
    messages = run(rule, POD_TYPES[kind], wrap_pod(kind, _pod(**change)), CONFIG)
    assert messages == [expected.format(d=D[kind], p=prefix)]


def test_default_enforcement_levels_match_the_table() -> None:
    assert level("K01") == EnforcementLevel.MANDATORY
    assert level("K15") == EnforcementLevel.ADVISORY
    assert level("S02") == EnforcementLevel.ADVISORY
    mandatory = {r.id for r in gantry_policies.RULES if r.enforcement == EnforcementLevel.MANDATORY}
    assert {"K01", "K10", "K13", "K22", "A01", "A05", "G01", "Z01", "S01"} <= mandatory


def test_namespace_baseline_level_from_config() -> None:
    pod = _pod(containers__0__securityContext__allowPrivilegeEscalation=True)
    props = wrap_pod("Deployment", pod, namespace="observability")
    cfg = {
        **CONFIG,
        "podSecurity": {
            "namespaces": {"observability": {"level": "baseline", "reason": "collector"}}
        },
    }
    assert run("K08", POD_TYPES["Deployment"], props, cfg) == []
    assert run("K08", POD_TYPES["Deployment"], props, CONFIG) != []


def test_exemption_by_resource_is_not_applicable_with_reason() -> None:
    props = wrap_pod("Deployment", _pod(hostNetwork=True))
    cfg = {
        **CONFIG,
        "exemptions": [{"rules": ["K02"], "type": "Deployment", "name": "hello", "reason": "CNI"}],
    }
    with pytest.raises(_NotApplicableError) as raised:
        run("K02", POD_TYPES["Deployment"], props, cfg)
    assert "CNI" in str(raised.value.reason)
    assert run("K02", POD_TYPES["Deployment"], props, CONFIG) != []


def test_exemption_without_reason_is_rejected() -> None:
    props = wrap_pod("Deployment", GOOD_POD)
    with pytest.raises(ValueError, match="reason"):
        run(
            "K02",
            POD_TYPES["Deployment"],
            props,
            {"exemptions": [{"rules": ["K02"], "namespace": "apps"}]},
        )


@pytest.mark.parametrize("kind", list(POD_TYPES))
def test_unknown_image_defers_not_passes(kind: str) -> None:
    props = wrap_pod(kind, _pod(containers__0__image=UNKNOWN_STRING_VALUE))
    with pytest.raises(
        DeferredToUpdateError, match=r"cannot verify .*containers\[0\]\.image during preview"
    ):
        run("K12", POD_TYPES[kind], props, CONFIG)
    deny = {**CONFIG, "unknownValues": "deny"}
    assert any("cannot verify" in m for m in run("K12", POD_TYPES[kind], props, deny))


def test_unknown_field_keeps_known_violations() -> None:
    pod = _pod(hostPID=True, containers__0__securityContext__privileged=UNKNOWN_STRING_VALUE)
    props = wrap_pod("Deployment", pod)
    assert len(run("K02", POD_TYPES["Deployment"], props, CONFIG)) == 1
    with pytest.raises(DeferredToUpdateError, match="securityContext.privileged"):
        run("K01", POD_TYPES["Deployment"], props, CONFIG)


CLOUD = [
    ("A01", "aws:ecr/repository:Repository", {"imageTagMutability": "IMMUTABLE"},
     {"imageTagMutability": "MUTABLE"},
     'aws:ecr/repository:Repository res: set imageTagMutability="IMMUTABLE" so a pushed tag cannot be replaced.'),
    ("A05", "aws:eks/cluster:Cluster", {"vpcConfig": {"endpointPublicAccess": False}},
     {"vpcConfig": {"endpointPublicAccess": True}},
     "aws:eks/cluster:Cluster res: the API endpoint is open to the internet; set vpcConfig.endpointPublicAccess=false"
     " or publicAccessCidrs to your CI/VPN ranges."),
    ("A08", "aws:ec2/launchTemplate:LaunchTemplate",
     {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}},
     {"metadataOptions": {"httpTokens": "optional", "httpPutResponseHopLimit": 1}},
     'aws:ec2/launchTemplate:LaunchTemplate res: set metadataOptions.httpTokens="required" (IMDSv2 only).'),
    ("A11", "aws:kms/key:Key", {"enableKeyRotation": True}, {"enableKeyRotation": False},
     "aws:kms/key:Key res: set enableKeyRotation=true."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "rtype", "good", "bad", "message"), CLOUD, ids=[c[0] for c in CLOUD]
)
def test_cloud_rules(
    rule: str, rtype: str, good: dict[str, Any], bad: dict[str, Any], message: str
) -> None:
    assert run(rule, rtype, good) == []
    assert run(rule, rtype, bad) == [message]


def test_dockerfile_rule() -> None:
    from gantry_policies.supply_chain import dockerfile_problems

    good = "FROM golang:1.25@sha256:" + "b" * 64 + " AS build\nFROM scratch\nUSER 65532:65532\n"
    assert dockerfile_problems(good) == []
    assert dockerfile_problems(good.replace("@sha256:" + "b" * 64, "")) == [
        'FROM golang:1.25 is not pinned by digest (add "@sha256:...")'
    ]
    assert dockerfile_problems(good.replace("65532:65532", "root")) == [
        "the final stage runs as USER root; use a non-root uid such as 65532"
    ]


def test_network_policy_stack_rule() -> None:
    dep = wrap_pod("Deployment", GOOD_POD)
    deny = {
        "metadata": {"name": "deny", "namespace": "apps"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }
    allow = {
        "metadata": {"name": "allow", "namespace": "apps"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "hello"}},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {}}]}],
        },
    }
    netpol = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
    stack = [(POD_TYPES["Deployment"], "hello", dep), (netpol, "deny", deny), (netpol, "allow", allow)]
    assert run_stack("K19", stack) == []
    found = run_stack("K19", [(POD_TYPES["Deployment"], "hello", dep)])
    assert [m for m, _ in found] == [
        "Deployment apps/hello: no NetworkPolicy with an allow rule selects its pods;"
        " add one that allows only its callers.",
        'namespace "apps": add a default-deny NetworkPolicy'
        " (podSelector: {}, policyTypes: [Ingress, Egress], no rules).",
    ]
