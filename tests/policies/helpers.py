"""Build engine-shaped inputs for policies, the way pulumi-policy's own tests do."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import gantry_policies
from gantry_policies.rule import DeferredToUpdateError
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.policy import PolicyResource, _NotApplicableError
from pulumi_policy.proxy import unknown_checking_proxy

__all__ = ["DeferredToUpdateError", "_NotApplicableError"]

POD_TYPES = {
    "Pod": "kubernetes:core/v1:Pod",
    "Deployment": "kubernetes:apps/v1:Deployment",
    "StatefulSet": "kubernetes:apps/v1:StatefulSet",
    "DaemonSet": "kubernetes:apps/v1:DaemonSet",
    "ReplicaSet": "kubernetes:apps/v1:ReplicaSet",
    "Job": "kubernetes:batch/v1:Job",
    "CronJob": "kubernetes:batch/v1:CronJob",
}


def policy(name_or_id: str) -> Any:
    rule = next(r for r in gantry_policies.RULES if name_or_id in (r.id, r.name))
    return next(p for p in gantry_policies.POLICIES if p.name == rule.name)


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], False, [], PolicyCustomTimeouts(0, 0, 0), [])


def wrap_pod(kind: str, pod: Mapping[str, Any], namespace: str | None = "apps") -> dict[str, Any]:
    """Put a Pod's metadata/spec where ``kind`` keeps its pod template."""
    meta = copy.deepcopy(dict(pod.get("metadata") or {}))
    spec = copy.deepcopy(dict(pod["spec"]))
    name = str(meta.get("name", "x"))
    outer_meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        outer_meta["namespace"] = namespace
    if kind == "Pod":
        meta.update(outer_meta)
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
    template = {"metadata": meta, "spec": spec}
    if kind == "CronJob":
        body: dict[str, Any] = {
            "schedule": "*/5 * * * *",
            "jobTemplate": {"spec": {"template": template}},
        }
    else:
        body = {"template": template, "selector": {"matchLabels": meta.get("labels") or {}}}
    return {"kind": kind, "metadata": outer_meta, "spec": body}


def run(
    policy_name: str,
    resource_type: str,
    props: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    name: str = "res",
) -> list[str]:
    """Validate one resource; the reported messages (may raise DeferredToUpdateError or
    _NotApplicableError)."""
    found: list[str] = []
    pol = policy(policy_name)
    args = ResourceValidationArgs(
        resource_type,
        unknown_checking_proxy(copy.deepcopy(dict(props))),
        f"urn:pulumi:test::gantry::{resource_type}::{name}",
        name,
        _opts(),
        None,
        dict(config or {}),
    )
    pol.validate(args, lambda message, urn=None: found.append(message))
    return found


def run_stack(
    policy_name: str,
    resources: list[tuple[str, str, Mapping[str, Any]]],
    config: Mapping[str, Any] | None = None,
    deps: Mapping[str, Mapping[str, list[str]]] | None = None,
) -> list[tuple[str, str | None]]:
    """Validate a stack of (type, name, props); returns (message, urn) pairs."""
    built: dict[str, PolicyResource] = {}
    for rtype, name, props in resources:
        urn = f"urn:pulumi:test::gantry::{rtype}::{name}"
        built[name] = PolicyResource(
            rtype,
            unknown_checking_proxy(copy.deepcopy(dict(props))),
            urn,
            name,
            _opts(),
            None,
            None,
            [],
            {},
        )
    for name, by_prop in (deps or {}).items():
        for prop, names in by_prop.items():
            built[name].property_dependencies[prop] = [built[n] for n in names]
    found: list[tuple[str, str | None]] = []
    args = StackValidationArgs(list(built.values()), dict(config or {}))
    policy(policy_name).validate(args, lambda message, urn=None: found.append((message, urn)))
    return found


def level(policy_name: str) -> EnforcementLevel:
    return policy(policy_name).enforcement_level  # type: ignore[no-any-return]
