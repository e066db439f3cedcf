"""K20, K20a: enough replicas to survive a node drain, and disruption budgets that let it happen.

A PodDisruptionBudget that allows no voluntary disruption makes every node drain, and so
every node-pool or cluster upgrade, wait on it forever. K20a judges a budget by its own
values, whether or not its workload is in the stack; K20 judges the workload, its
autoscaler and its budgets together, where the replica count is known.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from pulumi_policy import Severity

from .kube import namespace_of, pod_labels, selects
from .podspec import pod_template
from .rule import ADVISORY, Finding, Resource, Rule, cannot_verify, violation
from .settings import Settings
from .values import UNKNOWN

_PDB = "kubernetes:policy/v1:PodDisruptionBudget"
_FIX = "set maxUnavailable: 1 or minAvailable below the replica count."


def _percent(value: Any) -> float | None:
    """50 for "50%"; None for a number or anything else."""
    if isinstance(value, str) and value.endswith("%"):
        try:
            return float(value[:-1])
        except ValueError:
            return None
    return None


def _number(value: Any) -> float | None:
    """The engine hands numbers over as floats; a bool is not one."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _blocks_on_its_own(pdb: Resource) -> str | None:
    """``field: value`` of a budget that allows no disruption at any replica count, else None."""
    max_unavailable = pdb.get("spec", "maxUnavailable")
    if _number(max_unavailable) == 0:
        return "maxUnavailable: 0"
    if max_unavailable in ("0", "0%"):
        return f'maxUnavailable: "{max_unavailable}"'
    min_available = pdb.get("spec", "minAvailable")
    percent = _percent(min_available)
    if percent is not None and percent >= 100:
        return f'minAvailable: "{min_available}"'
    return None


def _lone_budget(resource: Resource, _s: Settings) -> Iterable[Finding]:
    for field in ("maxUnavailable", "minAvailable"):
        if resource.get("spec", field) is UNKNOWN:
            yield cannot_verify(f"spec.{field}", subject=resource.display)
            return
    blocking = _blocks_on_its_own(resource)
    if blocking:
        yield violation(
            f"{resource.display}: {blocking} allows no voluntary disruption, so every node drain"
            " and cluster upgrade waits on it forever; set maxUnavailable: 1."
        )


def _blocks_at(pdb: Resource, replicas: int) -> bool:
    """True when ``minAvailable`` reaches ``replicas``: the API server rounds a percentage up.

    The values that block at any count are K20a's, so they are not reported twice."""
    if _blocks_on_its_own(pdb):
        return False
    min_available = pdb.get("spec", "minAvailable")
    number, percent = _number(min_available), _percent(min_available)
    if number is not None:
        return number >= replicas
    return percent is not None and math.ceil(percent * replicas / 100) >= replicas


def _same_namespace(a: Resource, b: Resource) -> bool:
    return bool(namespace_of(a) == namespace_of(b))


def _autoscaler(r: Resource, hpas: Sequence[Resource]) -> Resource | None:
    """The HorizontalPodAutoscaler whose scaleTargetRef is ``r`` (same namespace, kind, name)."""
    name = r.get("metadata", "name")
    for hpa in hpas:
        ref = hpa.get("spec", "scaleTargetRef")
        if (
            isinstance(ref, dict)
            and _same_namespace(hpa, r)
            and ref.get("kind") == r.kind
            and ref.get("name") == name
        ):
            return hpa
    return None


def _hpa_problems(hpa: Resource, r: Resource) -> Iterable[Finding]:
    low, high = hpa.get("spec", "minReplicas"), hpa.get("spec", "maxReplicas")
    low = 1 if low is None else low
    if low is UNKNOWN or high is UNKNOWN:
        yield cannot_verify("spec.minReplicas / spec.maxReplicas", r.urn, hpa.display)
        return
    if isinstance(high, int | float) and low > high:
        yield violation(
            f"{hpa.display}: minReplicas ({int(low)}) is above maxReplicas ({int(high)});"
            " set minReplicas <= maxReplicas.",
            r.urn,
        )
    elif isinstance(high, int | float) and high < 2:
        yield violation(
            f"{hpa.display}: maxReplicas {int(high)} keeps {r.display} at one pod; set"
            " minReplicas >= 2 and maxReplicas above it.",
            r.urn,
        )


def _replica_floor(r: Resource, hpa: Resource | None) -> tuple[int | None, list[Finding]]:
    """The replica count a drain must keep (the HPA's minReplicas when one scales ``r``), or
    None with the findings that stop the judgement (HPA problems, an unknown count)."""
    if hpa is not None:
        problems = list(_hpa_problems(hpa, r))
        floor = hpa.get("spec", "minReplicas")
        return (None, problems) if problems else (1 if floor is None else int(floor), [])
    replicas = r.get("spec", "replicas")
    if replicas is UNKNOWN:
        return None, [cannot_verify("spec.replicas", r.urn, r.display)]
    return (1 if replicas is None else int(replicas)), []


def _replicas_and_pdbs(resources: Sequence[Resource], _s: Settings) -> Iterable[Finding]:
    """The workload, its autoscaler and its disruption budgets, judged together.

    With an HPA the floor is its ``minReplicas`` (it owns ``spec.replicas``), so a
    PDB that blocks drains is one whose ``minAvailable`` reaches that floor.
    """
    pdbs = [r for r in resources if r.kind == "PodDisruptionBudget"]
    hpas = [r for r in resources if r.kind == "HorizontalPodAutoscaler"]
    for r in resources:
        if r.kind == "Pod":
            yield violation(
                f"{r.display}: bare Pods are not rescheduled; run it from a Deployment or Job.",
                r.urn,
            )
            continue
        if r.kind not in ("Deployment", "StatefulSet"):
            continue
        hpa = _autoscaler(r, hpas)
        count, problems = _replica_floor(r, hpa)
        yield from problems
        if count is None:
            continue
        if count < 2:
            yield violation(
                f"{hpa.display}: set minReplicas >= 2 so a node drain does not take"
                f" {r.display} down."
                if hpa is not None
                else f"{r.display}: set spec.replicas >= 2 so a node drain does not take it down.",
                r.urn,
            )
        template = pod_template(r.type, r.props)
        labels = pod_labels(template.metadata) if template else {}
        covering = [
            p for p in pdbs if _same_namespace(p, r) and selects(p.get("spec", "selector"), labels)
        ]
        if count >= 2 and not covering:
            yield violation(
                f"{r.display}: add a PodDisruptionBudget selecting its pods (replicas={count}).",
                r.urn,
            )
        at = f" at the HPA's minReplicas ({count})" if hpa is not None else ""
        for pdb in covering:
            if _blocks_at(pdb, count):
                yield violation(
                    f"{pdb.display}: allows no voluntary disruption for {r.display}{at}; {_FIX}",
                    r.urn,
                )


RULES: list[Rule] = [
    Rule(
        "K20",
        "require-replicas-and-disruption-budget",
        (
            "Deployments/StatefulSets run >= 2 replicas (an HPA's minReplicas when one scales"
            " them; minReplicas <= maxReplicas, maxReplicas >= 2) with a PDB that still allows a"
            " drain at that floor; no bare Pods."
        ),
        Severity.MEDIUM,
        ADVISORY,
        "Set replicas >= 2 (prod profile) and a PodDisruptionBudget with maxUnavailable: 1.",
        "Deployment, StatefulSet, HorizontalPodAutoscaler, PodDisruptionBudget, Pod (stack)",
        stack_check=_replicas_and_pdbs,
    ),
    Rule(
        "K20a",
        "disallow-blocking-disruption-budgets",
        (
            "A PodDisruptionBudget allows a voluntary disruption on its own terms: maxUnavailable"
            " is not 0 or 0%, minAvailable is not 100%."
        ),
        Severity.MEDIUM,
        ADVISORY,  # mandatory with strictness: strict (prod), stack_settings.STRICT
        "Set maxUnavailable: 1 (it follows the workload's scale and never blocks a drain).",
        "PodDisruptionBudget",
        check=_lone_budget,
        types=(_PDB,),
    ),
]
