"""Stack rules: a compliant graph per rule and single changes that break it.

A graph is ``{name: (type, props)}`` plus property dependencies
``{name: {property: [names]}}``; a change is a function from graph to graph.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from cases import CONFIG, DIGEST, FIRST_PARTY, workload
from helpers import POD_TYPES

Graph = dict[str, tuple[str, dict[str, Any]]]
Deps = dict[str, dict[str, list[str]]]
Change = Callable[[Graph, Deps], None]

NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
DEPLOY = POD_TYPES["Deployment"]
ECR = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
ROLE = "aws:iam/role:Role"
ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
BUCKET = "aws:s3/bucket:Bucket"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
CIP = "kubernetes:policy.sigstore.dev/v1beta1:ClusterImagePolicy"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
KYVERNO = "kubernetes:kyverno.io/v1:ClusterPolicy"
DEPLOYMENT = "Deployment apps/hello"
IMAGE = FIRST_PARTY + ":1.0" + DIGEST


@dataclass(frozen=True)
class StackCase:
    rule: str
    graph: Graph
    changes: list[tuple[str, Change, list[str]]]
    unknown: Change | None = None
    deps: Deps = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=lambda: CONFIG)
    exempt_name: str = "hello"
    """A resource whose exemption lifts the rule's first change's finding."""
    exempt_namespace: str | None = "apps"
    """Its namespace, for an exemption by namespace (None: not a Kubernetes object)."""


def edit(name: str, *path: str | int, value: Any) -> Change:
    def change(graph: Graph, _deps: Deps) -> None:
        node: Any = graph[name][1]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def drop(name: str) -> Change:
    def change(graph: Graph, deps: Deps) -> None:
        del graph[name]
        deps.pop(name, None)
        for by_prop in deps.values():
            for names in by_prop.values():
                if name in names:
                    names.remove(name)

    return change


def add(name: str, rtype: str, props: dict[str, Any]) -> Change:
    def change(graph: Graph, _deps: Deps) -> None:
        graph[name] = (rtype, copy.deepcopy(props))

    return change


def unlink(name: str, prop: str, value: Any) -> Change:
    """Drop ``name``'s dependency for ``prop`` and set the property to ``value``."""

    def change(graph: Graph, deps: Deps) -> None:
        deps.get(name, {}).pop(prop, None)
        graph[name][1][prop] = value

    return change


def both(*changes: Change) -> Change:
    def change(graph: Graph, deps: Deps) -> None:
        for c in changes:
            c(graph, deps)

    return change


def _meta(name: str, namespace: str = "apps") -> dict[str, Any]:
    return {"name": name, "namespace": namespace}


U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's unknown-value sentinel."""

_DENY = {
    "metadata": _meta("deny"),
    "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
}
_ALLOW = {
    "metadata": _meta("allow"),
    "spec": {
        "podSelector": {"matchLabels": {"app": "hello"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"name": "ingress"}}}]}],
    },
}
_PDB = {
    "metadata": _meta("hello-pdb"),
    "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "hello"}}},
}
_HPA = {
    "metadata": _meta("hello"),
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "hello"},
        "minReplicas": 3,
        "maxReplicas": 6,
    },
}
_STATEFUL = workload("StatefulSet", [])
_STATEFUL["spec"]["replicas"] = 3
_STATEFUL_PDB = {
    "metadata": _meta("db-pdb"),
    "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "hello"}}},
}
_HPA_PDB = {
    "metadata": _meta("hello-pdb"),
    "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "hello"}}},
}
_SCALED = workload("Deployment", [])
_SCALED["spec"]["replicas"] = 3


def _at_floor(floor: int) -> str:
    return (
        f"PodDisruptionBudget apps/hello-pdb: allows no voluntary disruption for {DEPLOYMENT}"
        f" at the HPA's minReplicas ({floor}); set maxUnavailable: 1 or minAvailable below the"
        " replica count."
    )


_ROLE = {
    "metadata": _meta("reader"),
    "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
}
_ROLE_BINDING = {
    "metadata": _meta("reader"),
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
    "subjects": [{"kind": "ServiceAccount", "name": "hello", "namespace": "apps"}],
}
_DANGLING = (
    'RoleBinding apps/reader: roleRef names Role "reader", which does not exist in namespace'
    ' "apps"; create it in the stack or bind an existing role (a dangling binding grants'
    " whatever a role created later under that name allows)."
)
_CLUSTER_ROLE = {
    "metadata": {"name": "node-reader"},
    "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}],
}
_CLUSTER_ROLE_BINDING = {
    "metadata": {"name": "node-reader"},
    "roleRef": {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "node-reader",
    },
    "subjects": [{"kind": "ServiceAccount", "name": "hello", "namespace": "apps"}],
}
_DANGLING_CLUSTER_ROLE = (
    'ClusterRoleBinding node-reader: roleRef names ClusterRole "node-reader", which does not'
    " exist in the stack or the cluster's defaults; create it in the stack or bind an existing"
    " role (a dangling binding grants whatever a role created later under that name allows)."
)
_EC2_TRUST = {
    "Effect": "Allow",
    "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole",
}
_NODE_ROLE = {"assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [_EC2_TRUST]})}
_FLAGS = dict.fromkeys(
    ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True
)
_KMS_RULES = {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]}
_NO_NETPOL = (
    f"{DEPLOYMENT}: no NetworkPolicy with an allow rule selects its pods;"
    " add one that allows only its callers."
)
_NO_DENY = (
    'namespace "apps": add a default-deny NetworkPolicy'
    " (podSelector: {}, policyTypes: [Ingress, Egress], no rules)."
)
_BLOCKED = (
    f"PodDisruptionBudget apps/hello-pdb: allows no voluntary disruption for {DEPLOYMENT};"
    " set maxUnavailable: 1 or minAvailable below the replica count."
)
_REPLICAS = workload("Deployment", [])
_REPLICAS["spec"]["replicas"] = 2
_AWS_KEY_ENV = {
    "name": "AWS_ACCESS_KEY_ID",
    "valueFrom": {"secretKeyRef": {"name": "a", "key": "i"}},
}
_STATIC_KEYS = workload("Deployment", [(("spec", "containers", 0, "env", 0), _AWS_KEY_ENV)])
_BUCKET = "aws:s3/bucket:Bucket loki"
_NOT_SIGNED = (
    f'{DEPLOYMENT}: image "{IMAGE}" is not covered by signature verification; add a'
    " sigstore ClusterImagePolicy (keyless identity of the CI workflow) or a Kyverno"
    " verifyImages rule."
)
_ECR_IMAGE = "1.dkr.ecr.eu-west-1.amazonaws.com/aws-dev/hello:1" + DIGEST
_CIP = {
    "metadata": {"name": "verify"},
    "spec": {
        "images": [{"glob": FIRST_PARTY + "*"}],
        "authorities": [{"keyless": {"url": "https://fulcio.sigstore.dev"}}],
    },
}
_KYVERNO = {
    "metadata": {"name": "verify"},
    "spec": {"rules": [{"verifyImages": [{"imageReferences": [FIRST_PARTY + "*"]}]}]},
}
_NOT_IN = {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["hello"]}]}
_SSE_ALGORITHM = ("rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm")
_NODE_WORKER = {
    "role": "node-role",
    "policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
}
_S3_FULL = "arn:aws:iam::aws:policy/AmazonS3FullAccess"

STACK_CASES: Final[list[StackCase]] = [
    StackCase(
        "K19",
        {
            "hello": (DEPLOY, workload("Deployment")),
            "deny": (NETPOL, _DENY),
            "allow": (NETPOL, _ALLOW),
        },
        [
            ("no-allow-policy", drop("allow"), [_NO_NETPOL]),
            ("no-default-deny", drop("deny"), [_NO_DENY]),
            (
                "deny-ingress-only",
                edit("deny", "spec", "policyTypes", value=["Ingress"]),
                [_NO_DENY],
            ),
            (
                "deny-with-a-rule",
                edit("deny", "spec", "ingress", value=[{"from": [{"podSelector": {}}]}]),
                [_NO_DENY],
            ),
            (
                "allow-other-labels",
                edit("allow", "spec", "podSelector", value={"matchLabels": {"app": "x"}}),
                [_NO_NETPOL],
            ),
            (
                "allow-in-other-namespace",
                edit("allow", "metadata", "namespace", value="other"),
                [_NO_NETPOL],
            ),
            ("allow-without-rules", edit("allow", "spec", "ingress", value=[]), [_NO_NETPOL]),
            (
                "workload-without-namespace",
                edit("hello", "metadata", "namespace", value=None),
                [
                    "Deployment hello: no NetworkPolicy with an allow rule selects its pods;"
                    " add one that allows only its callers.",
                    'namespace "default": add a default-deny NetworkPolicy'
                    " (podSelector: {}, policyTypes: [Ingress, Egress], no rules).",
                ],
            ),
            (
                "expression-not-in",
                edit("allow", "spec", "podSelector", value=_NOT_IN),
                [_NO_NETPOL],
            ),
        ],
        unknown=edit("allow", "spec", "podSelector", value=U),
    ),
    StackCase(
        "K20",
        {"hello": (DEPLOY, _REPLICAS), "hello-pdb": (PDB, _PDB)},
        [
            (
                "one-replica",
                edit("hello", "spec", "replicas", value=1),
                [f"{DEPLOYMENT}: set spec.replicas >= 2 so a node drain does not take it down."],
            ),
            (
                "no-pdb",
                drop("hello-pdb"),
                [f"{DEPLOYMENT}: add a PodDisruptionBudget selecting its pods (replicas=2)."],
            ),
            (
                "pdb-max-unavailable-0-is-left-to-k20a",
                edit("hello-pdb", "spec", "maxUnavailable", value=0),
                [],
            ),
            (
                "pdb-min-available-all",
                both(
                    edit("hello-pdb", "spec", "maxUnavailable", value=None),
                    edit("hello-pdb", "spec", "minAvailable", value=2),
                ),
                [_BLOCKED],
            ),
            (
                "pdb-min-available-percent-rounds-up-to-all",
                both(
                    edit("hello-pdb", "spec", "maxUnavailable", value=None),
                    edit("hello-pdb", "spec", "minAvailable", value="60%"),
                ),
                [_BLOCKED],
            ),
            (
                "pdb-min-available-half",
                both(
                    edit("hello-pdb", "spec", "maxUnavailable", value=None),
                    edit("hello-pdb", "spec", "minAvailable", value="50%"),
                ),
                [],
            ),
            (
                "one-replica-and-a-pdb-that-keeps-it",
                both(
                    edit("hello", "spec", "replicas", value=1),
                    edit("hello-pdb", "spec", "maxUnavailable", value=None),
                    edit("hello-pdb", "spec", "minAvailable", value=1),
                ),
                [
                    f"{DEPLOYMENT}: set spec.replicas >= 2 so a node drain does not take it down.",
                    _BLOCKED,
                ],
            ),
            (
                "bare-pod",
                add("pod", POD_TYPES["Pod"], workload("Pod")),
                ["Pod apps/hello: bare Pods are not rescheduled; run it from a Deployment or Job."],
            ),
        ],
        unknown=edit("hello", "spec", "replicas", value=U),
    ),
    StackCase(
        "K20",
        {"hello": (DEPLOY, _SCALED), "hello-hpa": (HPA, _HPA), "hello-pdb": (PDB, _HPA_PDB)},
        [
            (
                "pdb-min-available-at-hpa-floor",
                edit("hello-pdb", "spec", "minAvailable", value=3),
                [_at_floor(3)],
            ),
            (
                "hpa-min-above-max",
                edit("hello-hpa", "spec", "minReplicas", value=8),
                [
                    "HorizontalPodAutoscaler apps/hello: minReplicas (8) is above maxReplicas"
                    " (6); set minReplicas <= maxReplicas."
                ],
            ),
            (
                "hpa-max-one",
                both(
                    edit("hello-hpa", "spec", "minReplicas", value=1),
                    edit("hello-hpa", "spec", "maxReplicas", value=1),
                ),
                [
                    f"HorizontalPodAutoscaler apps/hello: maxReplicas 1 keeps {DEPLOYMENT} at"
                    " one pod; set minReplicas >= 2 and maxReplicas above it."
                ],
            ),
            (
                "hpa-floor-one",
                edit("hello-hpa", "spec", "minReplicas", value=1),
                [
                    "HorizontalPodAutoscaler apps/hello: set minReplicas >= 2 so a node drain"
                    f" does not take {DEPLOYMENT} down.",
                    _at_floor(1),  # minAvailable 2 of the one pod the HPA may leave
                ],
            ),
            (
                "hpa-of-another-workload",
                edit("hello-hpa", "spec", "scaleTargetRef", "name", value="other"),
                [],
            ),
        ],
        unknown=edit("hello-hpa", "spec", "minReplicas", value=U),
    ),
    StackCase(
        "K20",
        {"db": (POD_TYPES["StatefulSet"], _STATEFUL), "db-pdb": (PDB, _STATEFUL_PDB)},
        [
            (
                "min-available-percent-rounds-up-to-all",
                edit("db-pdb", "spec", "minAvailable", value="70%"),
                [
                    "PodDisruptionBudget apps/db-pdb: allows no voluntary disruption for"
                    " StatefulSet apps/hello; set maxUnavailable: 1 or minAvailable below the"
                    " replica count."
                ],
            ),
            ("min-available-below-all", edit("db-pdb", "spec", "minAvailable", value=2), []),
        ],
        unknown=edit("db", "spec", "replicas", value=U),
    ),
    StackCase(
        "K22b",
        {
            "reader": (RBAC + "Role", _ROLE),
            "reader-binding": (RBAC + "RoleBinding", _ROLE_BINDING),
        },
        [
            ("no-role", drop("reader"), [_DANGLING]),
            (
                "role-in-other-namespace",
                edit("reader", "metadata", "namespace", value="other"),
                [_DANGLING],
            ),
            (
                "default-cluster-role",
                both(
                    drop("reader"),
                    edit(
                        "reader-binding", "roleRef", value={"kind": "ClusterRole", "name": "view"}
                    ),
                ),
                [],
            ),
            (
                "system-cluster-role",
                both(
                    drop("reader"),
                    edit(
                        "reader-binding",
                        "roleRef",
                        value={"kind": "ClusterRole", "name": "system:auth-delegator"},
                    ),
                ),
                [],
            ),
            (
                "kube-system-default-role",
                both(
                    drop("reader"),
                    edit("reader-binding", "metadata", "namespace", value="kube-system"),
                    edit(
                        "reader-binding",
                        "roleRef",
                        "name",
                        value="extension-apiserver-authentication-reader",
                    ),
                ),
                [],
            ),
            (
                "name-linked-by-dependency",
                both(
                    edit("reader-binding", "roleRef", "name", value=U),
                    lambda _g, deps: deps.setdefault("reader-binding", {}).update(
                        {"roleRef": ["reader"]}
                    ),
                ),
                [],
            ),
        ],
        unknown=both(drop("reader"), edit("reader-binding", "roleRef", "name", value=U)),
        exempt_name="reader",
    ),
    StackCase(
        "K22b",
        {
            "node-reader": (RBAC + "ClusterRole", _CLUSTER_ROLE),
            "node-reader-binding": (RBAC + "ClusterRoleBinding", _CLUSTER_ROLE_BINDING),
        },
        [
            ("no-cluster-role", drop("node-reader"), [_DANGLING_CLUSTER_ROLE]),
            (
                "only-a-role-of-that-name",
                both(drop("node-reader"), add("reader", RBAC + "Role", _ROLE)),
                [_DANGLING_CLUSTER_ROLE],
            ),
            (
                "default-cluster-role",
                both(
                    drop("node-reader"),
                    edit("node-reader-binding", "roleRef", "name", value="view"),
                ),
                [],
            ),
            (
                "system-cluster-role",
                both(
                    drop("node-reader"),
                    edit("node-reader-binding", "roleRef", "name", value="system:node-proxier"),
                ),
                [],
            ),
            (
                "role-binding-to-the-cluster-role",
                both(
                    drop("node-reader-binding"),
                    add(
                        "reader-binding",
                        RBAC + "RoleBinding",
                        {**_ROLE_BINDING, "roleRef": _CLUSTER_ROLE_BINDING["roleRef"]},
                    ),
                ),
                [],
            ),
        ],
        unknown=both(drop("node-reader"), edit("node-reader-binding", "roleRef", "name", value=U)),
        exempt_name="node-reader-binding",
        exempt_namespace=None,
    ),
    StackCase(
        "A04a",
        {
            "repo": (ECR, {"name": "aws-dev/hello"}),
            "repo-lifecycle": (LIFECYCLE, {"repository": "aws-dev/hello", "policy": "{}"}),
        },
        [
            (
                "no-lifecycle",
                drop("repo-lifecycle"),
                [f"{ECR} repo: add an ecr.LifecyclePolicy that expires untagged images."],
            ),
            (
                "other-repository",
                edit("repo-lifecycle", "repository", value="other"),
                [f"{ECR} repo: add an ecr.LifecyclePolicy that expires untagged images."],
            ),
        ],
        exempt_name="repo",
        exempt_namespace=None,
    ),
    StackCase(
        "A09",
        {
            "node-role": (ROLE, _NODE_ROLE),
            "node-worker": (ATTACH, _NODE_WORKER),
            "hello": (DEPLOY, workload("Deployment")),
        },
        [
            (
                "broad-node-policy",
                edit("node-worker", "policyArn", value=_S3_FULL),
                [
                    f"{ATTACH} node-worker: node role gets {_S3_FULL};"
                    " give pods AWS access through IRSA or EKS Pod Identity."
                ],
            ),
            (
                "static-keys",
                add("hello", DEPLOY, _STATIC_KEYS),
                [f'{DEPLOYMENT}: container "app" gets static AWS keys; use IRSA or Pod Identity.'],
            ),
        ],
        unknown=edit("node-worker", "policyArn", value=U),
        deps={"node-worker": {"role": ["node-role"]}},
        exempt_name="node-worker",
        exempt_namespace=None,
    ),
    StackCase(
        "A12",
        {
            "loki": (BUCKET, {"bucket": "loki-a1b2c3"}),
            "loki-pab": (PAB, {"bucket": "loki-a1b2c3", **_FLAGS}),
            "loki-sse": (SSE, {"bucket": U, **_KMS_RULES}),
        },
        [
            (
                "pab-flag-off",
                edit("loki-pab", "ignorePublicAcls", value=False),
                [f"{_BUCKET}: add a BucketPublicAccessBlock with all four flags true."],
            ),
            (
                "pab-other-bucket",
                edit("loki-pab", "bucket", value="tempo-x"),
                [f"{_BUCKET}: add a BucketPublicAccessBlock with all four flags true."],
            ),
            (
                "sse-aes",
                edit("loki-sse", *_SSE_ALGORITHM, value="AES256"),
                [f'{_BUCKET}: add server-side encryption with sseAlgorithm "aws:kms".'],
            ),
            (
                "sse-other-bucket",
                unlink("loki-sse", "bucket", "tempo-x"),
                [f'{_BUCKET}: add server-side encryption with sseAlgorithm "aws:kms".'],
            ),
        ],
        unknown=unlink("loki-pab", "bucket", U),
        deps={"loki-sse": {"bucket": ["loki"]}},
        exempt_name="loki",
        exempt_namespace=None,
    ),
    StackCase(
        "A12a",
        {
            "loki": (BUCKET, {"bucket": "loki-a1b2c3"}),
            "loki-versioning": (
                VERSIONING,
                {"bucket": "loki-a1b2c3", "versioningConfiguration": {"status": "Enabled"}},
            ),
            "loki-logging": (LOGGING, {"bucket": "loki-a1b2c3", "targetBucket": "logs"}),
        },
        [
            (
                "no-versioning",
                drop("loki-versioning"),
                [f"{_BUCKET}: enable BucketVersioning (recover deleted chunks)."],
            ),
            (
                "no-logging",
                drop("loki-logging"),
                [f"{_BUCKET}: enable BucketLogging for access audit."],
            ),
        ],
        unknown=unlink("loki-logging", "bucket", U),
        exempt_name="loki",
        exempt_namespace=None,
    ),
    StackCase(
        "S02",
        {"hello": (DEPLOY, workload("Deployment")), "verify": (CIP, _CIP)},
        [
            ("no-verification", drop("verify"), [_NOT_SIGNED]),
            (
                "other-repository",
                edit("verify", "spec", "images", value=[{"glob": "reg.example/other*"}]),
                [_NOT_SIGNED],
            ),
            ("kyverno-instead", both(drop("verify"), add("kyverno", KYVERNO, _KYVERNO)), []),
        ],
    ),
    StackCase(
        "S04",
        {
            "hello": (
                DEPLOY,
                workload("Deployment", [(("spec", "containers", 0, "image"), _ECR_IMAGE)]),
            ),
            "repo": (
                ECR,
                {"name": "aws-dev/hello", "imageScanningConfiguration": {"scanOnPush": True}},
            ),
        },
        [
            (
                "no-scan",
                edit("repo", "imageScanningConfiguration", "scanOnPush", value=False),
                [
                    f"{DEPLOYMENT}: no registry scanning is declared for project image"
                    f' "{_ECR_IMAGE}";'
                    " enable ECR scanOnPush or ENHANCED registry scanning, and keep the CI trivy"
                    " gate."
                ],
            ),
        ],
        config={
            "allowedRegistries": ["*.dkr.ecr.eu-west-1.amazonaws.com"],
            "firstPartyRepositories": ["*.dkr.ecr.eu-west-1.amazonaws.com/aws-dev/hello"],
        },
    ),
]
