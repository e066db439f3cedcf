"""K25-K27: what a production workload needs to survive a zone, a node and a full disk.

Advisory by default; a strict pack config (prod) makes them mandatory. They judge the
project's own workloads: chart pods get these through the chart values gantry sets
(components/observability), and a prod-mandatory rule must not refuse upstream defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from pulumi_policy import Severity

from .podspec import pod_template
from .rule import ADVISORY, Finding, Resource, Rule, cannot_verify, violation
from .settings import Settings
from .values import UNKNOWN
from .workload import first_party_only, resources_check

ZONE_KEY: Final = "topology.kubernetes.io/zone"
HOST_KEY: Final = "kubernetes.io/hostname"
_SCALED = (
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:ReplicaSet",
)
_LONG_RUNNING = (
    *_SCALED,
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:core/v1:Pod",
)
_ALL_PODS = (*_LONG_RUNNING, "kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob")


def _anti_affinity_keys(affinity: Any) -> set[str] | None:
    """topologyKeys of podAntiAffinity terms (required and preferred); None if unknown."""
    if affinity is UNKNOWN:
        return None
    anti = affinity.get("podAntiAffinity") if isinstance(affinity, dict) else None
    if anti is UNKNOWN:
        return None
    keys: set[str] = set()
    for field in (
        "requiredDuringSchedulingIgnoredDuringExecution",
        "preferredDuringSchedulingIgnoredDuringExecution",
    ):
        terms = anti.get(field) if isinstance(anti, dict) else None
        if terms is UNKNOWN:
            return None
        for term in terms if isinstance(terms, list) else []:
            inner = term.get("podAffinityTerm", term) if isinstance(term, dict) else None
            key = inner.get("topologyKey") if isinstance(inner, dict) else None
            if key is UNKNOWN:
                return None
            if isinstance(key, str):
                keys.add(key)
    return keys


def _spread(resource: Resource, _s: Settings) -> Iterable[Finding]:
    replicas = resource.get("spec", "replicas")
    if isinstance(replicas, int | float) and not isinstance(replicas, bool) and replicas < 2:
        return  # one pod: nothing to spread (K20 asks for two)
    template = pod_template(resource.type, resource.props)
    if template is None:
        return
    constraints = template.spec.get("topologySpreadConstraints")
    anti = _anti_affinity_keys(template.spec.get("affinity"))
    if constraints is UNKNOWN or anti is None:
        where = template.field_path(("spec", "topologySpreadConstraints"))
        yield cannot_verify(f"{where} / affinity", subject=resource.display)
        return
    keys = set(anti)
    for c in constraints if isinstance(constraints, list) else []:
        key = c.get("topologyKey") if isinstance(c, dict) else None
        if key is UNKNOWN:
            yield cannot_verify("topologySpreadConstraints[].topologyKey", subject=resource.display)
            return
        if isinstance(key, str):
            keys.add(key)
    missing = [what for what, key in (("zones", ZONE_KEY), ("nodes", HOST_KEY)) if key not in keys]
    if missing:
        wanted = ", ".join(k for k in (ZONE_KEY, HOST_KEY) if k not in keys)
        yield violation(
            f"{resource.display}: spread its replicas across {' and '.join(missing)}: add"
            f" topologySpreadConstraints (or podAntiAffinity) with topologyKey {wanted}."
        )


def _priority_class(resource: Resource, _s: Settings) -> Iterable[Finding]:
    template = pod_template(resource.type, resource.props)
    if template is None:
        return
    value = template.spec.get("priorityClassName")
    if value is UNKNOWN:
        where = template.field_path(("spec", "priorityClassName"))
        yield cannot_verify(where, subject=resource.display)
    elif not value:
        yield violation(
            f"{resource.display}: set {template.field_path(('spec', 'priorityClassName'))} to a"
            " PriorityClass of the stack, so the scheduler preempts batch work before it."
        )


_EPHEMERAL = (("requests", "ephemeral-storage"), ("limits", "ephemeral-storage"))
RULES: list[Rule] = [
    Rule(
        "K25",
        "require-zone-and-host-spread",
        (
            "Project workloads that may run more than one replica spread them across zones and"
            " nodes (topologySpreadConstraints or podAntiAffinity)."
        ),
        Severity.MEDIUM,
        ADVISORY,
        f"Add topologySpreadConstraints with topologyKey {ZONE_KEY} and {HOST_KEY}.",
        "Deployment, StatefulSet, ReplicaSet",
        check=first_party_only(_spread),
        types=_SCALED,
    ),
    Rule(
        "K26",
        "require-priority-class",
        "Long-running project workloads set a priorityClassName.",
        Severity.LOW,
        ADVISORY,
        "Create a PriorityClass in the stack and set spec.priorityClassName.",
        "Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet",
        check=first_party_only(_priority_class),
        types=_LONG_RUNNING,
    ),
    Rule(
        "K27",
        "require-ephemeral-storage",
        "Project containers request and limit ephemeral-storage (a full node disk evicts pods).",
        Severity.LOW,
        ADVISORY,
        "Set resources.requests.ephemeral-storage and resources.limits.ephemeral-storage.",
        "Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob",
        check=first_party_only(resources_check(_EPHEMERAL)),
        types=_ALL_PODS,
    ),
]
