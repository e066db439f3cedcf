"""K22: RBAC that cannot hand out cluster control."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pulumi_policy import Severity

from .kube import is_chart_object
from .rule import ADVISORY, MANDATORY, Finding, Resource, Rule, cannot_verify, violation
from .settings import Settings
from .values import UNKNOWN, plain

_ROLES = (
    "kubernetes:rbac.authorization.k8s.io/v1:Role",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
)
_BINDINGS = (
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
)
_READ = {"get", "list", "watch", "*"}


def _rule_problems(rule: dict[str, Any]) -> list[str]:
    verbs = set(rule.get("verbs") or [])
    resources = set(rule.get("resources") or [])
    groups = set(rule.get("apiGroups") or [])
    problems = []
    if "*" in verbs or "*" in resources or "*" in groups:
        problems.append("uses a wildcard (*) in verbs, resources or apiGroups")
    if "secrets" in resources and "" in groups | {"*"} and verbs & _READ:
        problems.append(f"reads secrets ({', '.join(sorted(verbs & _READ))})")
    if "pods/exec" in resources and verbs & {"create", "get", "*"}:
        problems.append("allows pods/exec")
    dangerous = verbs & {"bind", "escalate", "impersonate"}
    if dangerous:
        problems.append(f"grants {', '.join(sorted(dangerous))}")
    return problems


def _rbac(resource: Resource, _s: Settings) -> Iterable[Finding]:
    if resource.type in _BINDINGS:
        role = resource.get("roleRef", "name")
        if role is UNKNOWN:
            yield cannot_verify("roleRef.name", subject=resource.display)
        elif role == "cluster-admin":
            yield violation(
                f"{resource.display}: binds cluster-admin; bind a Role with only the verbs "
                "it needs."
            )
        return
    if resource.get("aggregationRule") is not None:
        return
    rules = plain(resource.get("rules"))
    if rules is UNKNOWN:
        yield cannot_verify("rules", subject=resource.display)
        return
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        if any(v is UNKNOWN for v in (*(rule.get("verbs") or []), *(rule.get("resources") or []))):
            yield cannot_verify(f"rules[{index}]", subject=resource.display)
            continue
        for problem in _rule_problems(rule):
            yield violation(
                f"{resource.display}: rules[{index}] {problem}; list explicit resources and verbs."
            )


def _own(resource: Resource, settings: Settings) -> Iterable[Finding]:
    return [] if is_chart_object(resource) else _rbac(resource, settings)


def _charts(resource: Resource, settings: Settings) -> Iterable[Finding]:
    return _rbac(resource, settings) if is_chart_object(resource) else []


_KINDS = "Role, ClusterRole, RoleBinding, ClusterRoleBinding"
RULES: list[Rule] = [
    Rule(
        "K22",
        "restrict-rbac",
        "No cluster-admin bindings, wildcards, secret reads, pods/exec, bind/escalate/impersonate.",
        Severity.CRITICAL,
        MANDATORY,
        "Grant explicit resources and verbs; read Secrets by resourceNames only.",
        _KINDS,
        check=_own,
        types=(*_ROLES, *_BINDINGS),
    ),
    Rule(
        "K22a",
        "review-chart-rbac",
        "Chart-rendered RBAC is reviewed against the same list (operators often need more).",
        Severity.MEDIUM,
        ADVISORY,
        "Check the chart's RBAC values; exempt reviewed objects by name with a reason.",
        _KINDS + " (Helm chart objects)",
        check=_charts,
        types=(*_ROLES, *_BINDINGS),
    ),
]
