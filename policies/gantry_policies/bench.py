"""``python -m gantry_policies.bench``: policy time for a prod-sized synthetic stack.

Builds ~3,000 Kubernetes objects (workloads, chart-style objects, ConfigMaps,
Services, RBAC, CRD-like bulk) plus cloud resources for three clusters, runs
every resource policy on each and every stack policy once, the way the engine
does (fresh proxied props per policy), and prints the time spent in policies.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)
from pulumi_policy.policy import PolicyResource
from pulumi_policy.proxy import unknown_checking_proxy

from .catalog import POLICIES
from .rule import DeferredToUpdate

_POD: dict[str, Any] = {
    "metadata": {"labels": {"app": "x", "helm.sh/chart": "c-1"}},
    "spec": {
        "serviceAccountName": "x",
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            {
                "name": "c",
                "image": "registry.example/x:1.0",
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                },
                "resources": {
                    "requests": {"cpu": "10m", "memory": "32Mi"},
                    "limits": {"memory": "64Mi"},
                },
                "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}},
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                "env": [{"name": f"V{i}", "value": str(i)} for i in range(8)],
            }
        ],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    },
}


def synthetic_stack(objects: int = 3000) -> list[tuple[str, dict[str, Any]]]:
    """(type, props) pairs shaped like the prod stack's three clusters."""
    out: list[tuple[str, dict[str, Any]]] = []
    kinds = [
        ("kubernetes:apps/v1:Deployment", "apps"),
        ("kubernetes:apps/v1:StatefulSet", "observability"),
        ("kubernetes:apps/v1:DaemonSet", "observability"),
        ("kubernetes:batch/v1:Job", "apps"),
    ]
    schema = {"type": "object", "properties": {f"f{i}": {"type": "string"} for i in range(200)}}
    for i in range(objects):
        meta = {"name": f"o{i}", "namespace": "observability", "labels": {"helm.sh/chart": "kps"}}
        slot = i % 10
        if slot < 3:
            rtype, ns = kinds[i % len(kinds)]
            out.append((rtype, {"metadata": {**meta, "namespace": ns},
                                "spec": {"replicas": 2, "template": copy.deepcopy(_POD)}}))  # fmt: skip
        elif slot < 6:
            out.append(
                (
                    "kubernetes:core/v1:ConfigMap",
                    {"metadata": meta, "data": {f"k{j}": "v" * 64 for j in range(20)}},
                )
            )
        elif slot < 8:
            out.append(
                ("kubernetes:core/v1:Service", {"metadata": meta, "spec": {"type": "ClusterIP"}})
            )
        elif slot < 9:
            rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
            out.append(
                ("kubernetes:rbac.authorization.k8s.io/v1:Role", {"metadata": meta, "rules": rules})
            )
        else:
            out.append(("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
                        {"metadata": {"name": f"c{i}"}, "spec": {"versions": [{"schema": schema}]}}))  # fmt: skip
    for cloud in range(3):
        out.append(("aws:ecr/repository:Repository", {"imageTagMutability": "IMMUTABLE"}))
        out.append(("aws:eks/cluster:Cluster", {"vpcConfig": {"endpointPublicAccess": False}}))
        out.append(("gcp:container/cluster:Cluster", {"name": f"g{cloud}"}))
        out.append(("azure-native:containerservice:ManagedCluster", {"dnsPrefix": f"z{cloud}"}))
    return out


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], False, [], PolicyCustomTimeouts(0, 0, 0), [])


def measure(objects: int = 3000) -> tuple[int, float]:
    """(resources, seconds spent inside policy validate calls)."""
    stack = synthetic_stack(objects)
    config = {"allowedRegistries": ["registry.example"]}
    spent = 0.0
    sink: list[str] = []

    def report(message: str, _urn: str | None = None) -> None:
        sink.append(message)

    resources = []
    for index, (rtype, props) in enumerate(stack):
        urn = f"urn:pulumi:prod::gantry::{rtype}::r{index}"
        for policy in POLICIES:
            if not isinstance(policy, ResourceValidationPolicy):
                continue
            args = ResourceValidationArgs(
                rtype, unknown_checking_proxy(props), urn, f"r{index}", _opts(), None, config
            )
            start = time.process_time()
            try:
                policy.validate(args, report)
            except DeferredToUpdate:
                pass
            spent += time.process_time() - start
        resources.append(
            PolicyResource(
                rtype, unknown_checking_proxy(props), urn, f"r{index}", _opts(), None, None, [], {}
            )
        )
    for policy in POLICIES:
        if isinstance(policy, ResourceValidationPolicy):
            continue
        start = time.process_time()
        policy.validate(StackValidationArgs(resources, config), report)
        spent += time.process_time() - start
    return len(stack), spent


if __name__ == "__main__":
    count, seconds = measure()
    print(f"{count} resources x {len(POLICIES)} policies: {seconds:.3f}s policy time")
