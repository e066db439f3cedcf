"""K22, K22a, K22b: RBAC that cannot hand out cluster control, a pod's shell or a credential."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from pulumi_policy import Severity

from .kube import is_chart_object, namespace_of
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
_READ = {"get", "list", "watch"}
_WRITE = {"patch", "update"}
_CREATE = {"create"}
_ANY = {"get", "create"}

INTO_A_POD: Final[dict[str, tuple[set[str], str]]] = {
    "pods/exec": (_ANY, "runs commands in running pods"),
    "pods/attach": (_ANY, "attaches to running pods' processes"),
    "pods/portforward": (_ANY, "port-forwards into pods past their NetworkPolicies"),
    "nodes/proxy": (_ANY | {"list", "watch"}, "reaches the kubelet API (exec in any pod)"),
    "serviceaccounts/token": (_CREATE, "mints ServiceAccount tokens"),
    "pods/ephemeralcontainers": (_WRITE, "adds debug containers to running pods"),
}
"""Subresource -> (verbs that open it, what that hands out)."""

DEFAULT_CLUSTER_ROLES: Final = frozenset({"cluster-admin", "admin", "edit", "view"})
"""User-facing ClusterRoles every cluster has; ``system:*`` roles are the API server's own."""
DEFAULT_ROLES: Final = frozenset({"extension-apiserver-authentication-reader"})
"""Roles the API server keeps in kube-system (with ``system:*``), which API extensions bind."""


def _verbs_on(verbs: set[str], resources: set[str], resource: str, opening: set[str]) -> bool:
    return resource in resources and bool(verbs & opening)


def _rule_problems(rule: dict[str, Any], kind: str | None) -> list[str]:
    verbs = set(rule.get("verbs") or [])
    resources = set(rule.get("resources") or [])
    groups = set(rule.get("apiGroups") or [])
    core = "" in groups
    problems = []
    if "*" in verbs or "*" in resources or "*" in groups:
        return ["uses a wildcard (*) in verbs, resources or apiGroups"]  # covers all below
    if core and "secrets" in resources and verbs & _READ:
        read = ", ".join(sorted(verbs & _READ))
        if kind == "ClusterRole":
            problems.append(f"reads secrets cluster-wide ({read})")
        elif not rule.get("resourceNames"):  # with them, even list/watch need a name selector
            problems.append(f"reads secrets ({read}) without resourceNames")
    for sub, (opening, what) in INTO_A_POD.items():
        if core and _verbs_on(verbs, resources, sub, opening):
            problems.append(f"allows {sub} ({what})")
    if core and _verbs_on(verbs, resources, "pods", _CREATE):
        problems.append("creates pods (a new pod can mount any ServiceAccount or Secret)")
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
        listed = (*(rule.get("verbs") or []), *(rule.get("resources") or []))
        if any(v is UNKNOWN for v in (*listed, rule.get("apiGroups"), rule.get("resourceNames"))):
            yield cannot_verify(f"rules[{index}]", subject=resource.display)
            continue
        for problem in _rule_problems(rule, resource.kind):
            yield violation(
                f"{resource.display}: rules[{index}] {problem}; list explicit resources and verbs."
            )


def _own(resource: Resource, settings: Settings) -> Iterable[Finding]:
    return [] if is_chart_object(resource) else _rbac(resource, settings)


def _charts(resource: Resource, settings: Settings) -> Iterable[Finding]:
    return _rbac(resource, settings) if is_chart_object(resource) else []


def _is_default_role(kind: Any, name: str, namespace: Any) -> bool:
    if kind == "ClusterRole":
        return name in DEFAULT_CLUSTER_ROLES or name.startswith("system:")
    return namespace in ("kube-system", "kube-public") and (
        name in DEFAULT_ROLES or name.startswith("system:")
    )


def _bindings_resolve(resources: Sequence[Resource], _s: Settings) -> Iterable[Finding]:
    """Every roleRef names a Role/ClusterRole of the stack or a cluster default.

    A dangling roleRef grants nothing today and, silently, whatever a Role created
    later under that name grants. A name preview cannot know is resolved through
    the binding's property dependency on ``roleRef`` (``roleRef.name=role.metadata.name``).
    """
    roles = {r.urn: r for r in resources if r.type in _ROLES}
    names: set[tuple[str, Any, str]] = set()
    for r in roles.values():
        name = r.get("metadata", "name")
        if isinstance(name, str):
            names.add((r.kind or "", None if r.kind == "ClusterRole" else namespace_of(r), name))
    for b in resources:
        if b.type not in _BINDINGS:
            continue
        kind, name = b.get("roleRef", "kind"), b.get("roleRef", "name")
        if any(roles.get(u) is not None for u in b.deps.get("roleRef", ())):
            continue
        if kind is UNKNOWN or name is UNKNOWN:
            yield cannot_verify("roleRef", b.urn, b.display)
            continue
        if not isinstance(name, str):
            continue
        scope = None if kind == "ClusterRole" else namespace_of(b)
        if (str(kind), scope, name) in names or _is_default_role(kind, name, scope):
            continue
        where = f'in namespace "{scope}"' if scope else "in the stack or the cluster's defaults"
        yield violation(
            f'{b.display}: roleRef names {kind} "{name}", which does not exist {where}; create'
            " it in the stack or bind an existing role (a dangling binding grants whatever a"
            " role created later under that name allows).",
            b.urn,
        )


_KINDS = "Role, ClusterRole, RoleBinding, ClusterRoleBinding"
_ENFORCES = (
    "No cluster-admin bindings, wildcards, secret reads (cluster-wide, or without resourceNames),"
    " pods/exec, pods/attach, pods/portforward, nodes/proxy, serviceaccounts/token create,"
    " pods/ephemeralcontainers patch/update, pod create, bind/escalate/impersonate."
)
RULES: list[Rule] = [
    Rule(
        "K22",
        "restrict-rbac",
        _ENFORCES,
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
    Rule(
        "K22b",
        "require-existing-role-refs",
        (
            "Every RoleBinding/ClusterRoleBinding's roleRef names a Role or ClusterRole of the"
            " stack, or a cluster default (cluster-admin, admin, edit, view, system:*)."
        ),
        Severity.HIGH,
        ADVISORY,  # mandatory with strictness: strict (prod), stack_settings.STRICT
        "Create the referenced role in the stack (roleRef.name=role.metadata.name), or fix it.",
        "RoleBinding, ClusterRoleBinding, Role, ClusterRole (stack)",
        stack_check=_bindings_resolve,
    ),
]
