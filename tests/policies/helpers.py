"""Build engine-shaped inputs for policies, the way pulumi-policy's own tests do."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import gantry_policies
from gantry_policies.bench import engine_props
from gantry_policies.rule import DeferredToUpdateError
from gantry_policies.sdk_internals import NotApplicableError, unknown_checking_proxy
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
)

__all__ = ["DeferredToUpdateError", "NotApplicableError", "run", "wrap_pod"]

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
    NotApplicableError)."""
    found: list[str] = []
    pol = policy(policy_name)
    args = ResourceValidationArgs(
        resource_type,
        unknown_checking_proxy(engine_props(dict(props))),  # numbers as floats, like the engine
        f"urn:pulumi:test::gantry::{resource_type}::{name}",
        name,
        _opts(),
        None,
        dict(config or {}),
    )
    pol.validate(args, lambda message, urn=None: found.append(message))
    return found
