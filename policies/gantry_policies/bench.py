"""``python -m gantry_policies.bench``: policy time for a prod-sized synthetic stack.

Builds ~3,000 Kubernetes objects (workloads, chart-style objects, ConfigMaps,
Services, RBAC, CRD-like bulk) plus cloud resources for three clusters, runs
every resource policy on each and every stack policy once, the way the engine
does (fresh proxied props per policy), and prints the time spent in policies.
"""

from __future__ import annotations

import contextlib
import copy
import json
import time
from dataclasses import dataclass
from typing import Any, Final

from google.protobuf import (  # type: ignore[import-untyped]  # protobuf ships no stubs here
    json_format,
    struct_pb2,
)
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .catalog import POLICIES
from .config import CONFIG_DIR
from .rule import DeferredToUpdateError
from .sdk_internals import NotApplicableError, deserialize_properties, unknown_checking_proxy

_POD: dict[str, Any] = {
    "metadata": {"labels": {"app": "x", "helm.sh/chart": "c-1"}},
    "spec": {
        "serviceAccountName": "x",
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            {
                "name": "c",
                "image": "quay.io/prometheus/prometheus:v3.5.0",
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
            # Every template differs (label, env), so no policy reuses another resource's work.
            out.append(_workload(i, *kinds[i % len(kinds)]))
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
            crd = {"metadata": {"name": f"c{i}"}, "spec": {"versions": [{"schema": schema}]}}
            out.append(("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", crd))
    for cloud in range(3):
        out.append(("aws:ecr/repository:Repository", {"imageTagMutability": "IMMUTABLE"}))
        out.append(("aws:eks/cluster:Cluster", {"vpcConfig": {"endpointPublicAccess": False}}))
        out.append(("gcp:container/cluster:Cluster", {"name": f"g{cloud}"}))
        out.append(("azure-native:containerservice:ManagedCluster", {"dnsPrefix": f"z{cloud}"}))
    return out


def _workload(index: int, rtype: str, namespace: str) -> tuple[str, dict[str, Any]]:
    pod = copy.deepcopy(_POD)
    pod["metadata"]["labels"]["app"] = f"w{index}"
    pod["spec"]["containers"][0]["env"][0]["value"] = f"w{index}"
    body = {"replicas": 2, "selector": {"matchLabels": {"app": f"w{index}"}}, "template": pod}
    meta = {"name": f"w{index}", "namespace": namespace, "labels": {"helm.sh/chart": "kps"}}
    return rtype, {"metadata": meta, "spec": body}


# Objects per target in the prod profile: the service (GoService), the four charts as
# helm.v4.Chart renders them (kube-prometheus-stack with its dashboards, rules, monitors
# and CRDs; Loki, Tempo, Alloy) and the cloud resources of one target.
PROD_TARGET_SHAPE: Final[dict[str, int]] = {
    "kubernetes:apps/v1:Deployment": 6,
    "kubernetes:apps/v1:StatefulSet": 5,
    "kubernetes:apps/v1:DaemonSet": 1,
    "kubernetes:core/v1:ConfigMap": 45,
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule": 35,
    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": 15,
    "kubernetes:core/v1:Service": 20,
    "kubernetes:core/v1:ServiceAccount": 10,
    "kubernetes:rbac.authorization.k8s.io/v1:Role": 15,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": 15,
    "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition": 10,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": 8,
    "kubernetes:policy/v1:PodDisruptionBudget": 5,
    "cloud": 60,
}


def prod_shaped_stack(targets: int = 3) -> list[tuple[str, dict[str, Any]]]:
    """(type, props) pairs in the prod stack's proportions (``PROD_TARGET_SHAPE`` per target)."""
    out: list[tuple[str, dict[str, Any]]] = []
    schema = {"type": "object", "properties": {f"f{i}": {"type": "string"} for i in range(200)}}
    index = 0
    for target in range(targets):
        for rtype, count in PROD_TARGET_SHAPE.items():
            for _ in range(count):
                index += 1
                meta = {"name": f"o{index}", "namespace": "observability"}
                if rtype.endswith(("Deployment", "StatefulSet", "DaemonSet")):
                    out.append(_workload(index, rtype, "observability"))
                elif rtype.endswith("CustomResourceDefinition"):
                    crd = {
                        "metadata": {"name": f"c{index}"},
                        "spec": {"versions": [{"schema": schema}]},
                    }
                    out.append((rtype, crd))
                elif rtype == "cloud":
                    out.append(("aws:iam/role:Role", {"name": f"t{target}-r{index}"}))
                else:
                    out.append((rtype, {"metadata": meta, "spec": {}, "data": {"k": "v" * 512}}))
    return out


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], False, [], PolicyCustomTimeouts(0, 0, 0), [])


def engine_props(props: dict[str, Any]) -> dict[str, Any]:
    """Props the way the engine hands them over: protobuf Struct -> dict (numbers become floats)."""
    struct = struct_pb2.Struct()
    struct.update(props)
    return deserialize_properties(json_format.MessageToDict(struct))


def pack_config(stack: str = "prod") -> dict[str, Any]:
    """A committed pack config, per policy, as the engine keeps it (enforcementLevel split off)."""
    data = json.loads((CONFIG_DIR / f"{stack}.json").read_text(encoding="utf-8"))
    return {
        name: {k: v for k, v in value.items() if k != "enforcementLevel"}
        for name, value in data.items()
    }


@dataclass
class Timing:
    """Policy time of one run: CPU seconds of this process and wall seconds."""

    resources: int
    cpu: float
    wall: float


def measure(objects: int = 3000, stack: str = "prod", shape: str = "stress") -> Timing:
    """Run every policy over a synthetic stack with ``stack``'s pack config.

    ``shape`` "stress": ``objects`` objects, 30% of them distinct pod workloads;
    "prod": the prod stack's proportions (``prod_shaped_stack``).

    Like the engine, every resource policy gets its own freshly deserialized
    and proxied props and a shallow copy of its config; building those is
    engine work and stays outside the clock, which covers only ``validate``.
    """
    resources_in = synthetic_stack(objects) if shape == "stress" else prod_shaped_stack()
    configs = pack_config(stack)
    sink: list[str] = []
    cpu = wall = 0.0

    def report(message: str, _urn: str | None = None) -> None:
        sink.append(message)

    resource_policies = [p for p in POLICIES if isinstance(p, ResourceValidationPolicy)]
    stack_policies = [p for p in POLICIES if isinstance(p, StackValidationPolicy)]
    stack_resources = []
    for index, (rtype, props) in enumerate(resources_in):
        urn = f"urn:pulumi:{stack}::gantry::{rtype}::r{index}"
        name = f"r{index}"
        calls = [
            (
                policy,
                ResourceValidationArgs(
                    rtype,
                    unknown_checking_proxy(engine_props(props)),
                    urn,
                    name,
                    _opts(),
                    None,
                    dict(configs.get(policy.name, {})),
                ),
            )
            for policy in resource_policies
        ]
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        for policy, args in calls:
            with contextlib.suppress(DeferredToUpdateError, NotApplicableError):
                policy.validate(args, report)
        cpu += time.process_time() - cpu_start
        wall += time.perf_counter() - wall_start
        stack_resources.append(
            PolicyResource(
                rtype,
                unknown_checking_proxy(engine_props(props)),
                urn,
                name,
                _opts(),
                None,
                None,
                [],
                {},
            )
        )
    for stack_policy in stack_policies:
        stack_args = StackValidationArgs(stack_resources, dict(configs.get(stack_policy.name, {})))
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        with contextlib.suppress(DeferredToUpdateError):
            stack_policy.validate(stack_args, report)
        cpu += time.process_time() - cpu_start
        wall += time.perf_counter() - wall_start
    return Timing(len(resources_in), cpu, wall)


if __name__ == "__main__":
    for label, run in (("prod-shaped", "prod"), ("stress", "stress")):
        timing = measure(shape=run)
        print(
            f"{label}: {timing.resources} resources x {len(POLICIES)} policies (prod pack config):"
            f" {timing.cpu:.3f}s policy CPU time, {timing.wall:.3f}s wall"
        )
