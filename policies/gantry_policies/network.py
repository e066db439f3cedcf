"""K19, K21: every workload behind a NetworkPolicy; nothing exposed by accident."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pulumi_policy import Severity

from .kube import namespace_of, pod_labels, selects
from .podspec import pod_template
from .rule import MANDATORY, Finding, Resource, Rule, cannot_verify, violation
from .settings import Settings
from .values import UNKNOWN, plain

_SERVICE = "kubernetes:core/v1:Service"
_INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"


def _spec(policy: Resource) -> dict[str, Any]:
    spec = plain(policy.get("spec"))
    return spec if isinstance(spec, dict) else {}


def _selector(spec: dict[str, Any]) -> Any:
    """The podSelector; absent means ``{}``: every pod in the namespace."""
    selector = spec.get("podSelector")
    return {} if selector is None else selector


def _is_default_deny(policy: Resource) -> bool:
    """Empty podSelector, both policy types, no rules: nothing in or out unless allowed."""
    spec = _spec(policy)
    types = spec.get("policyTypes")
    return (
        _selector(spec) == {}
        and isinstance(types, list)
        and {"Ingress", "Egress"} <= set(types)
        and not spec.get("ingress")
        and not spec.get("egress")
    )


def _allows(policy: Resource) -> bool:
    """True if the policy lets some traffic through (it has an ingress or egress rule)."""
    spec = _spec(policy)
    return bool(spec.get("ingress")) or bool(spec.get("egress"))


def _network_policies(resources: Sequence[Resource], _s: Settings) -> Iterable[Finding]:
    policies = [r for r in resources if r.kind == "NetworkPolicy"]
    allowing = [p for p in policies if _allows(p)]
    namespaces: dict[str, Resource] = {}
    for r in resources:
        template = pod_template(r.type, r.props)
        if template is None:
            continue
        ns = namespace_of(r)
        if ns is UNKNOWN:
            yield cannot_verify("metadata.namespace", r.urn, r.display)
            continue
        labels = pod_labels(template.metadata)
        unknown_selector = False
        selected = False
        for p in allowing:
            if namespace_of(p) != ns:
                continue
            selector = _selector(_spec(p))
            if selector is UNKNOWN:
                unknown_selector = True
            elif selects(selector, labels):
                selected = True
                break
        if not selected and unknown_selector:
            yield cannot_verify("NetworkPolicy spec.podSelector", r.urn, r.display)
        elif not selected:
            yield violation(
                f"{r.display}: no NetworkPolicy with an allow rule selects its pods;"
                " add one that allows only its callers.",
                r.urn,
            )
        if isinstance(ns, str):
            namespaces.setdefault(ns, r)
    for ns, first in sorted(namespaces.items()):
        if not any(namespace_of(p) == ns and _is_default_deny(p) for p in policies):
            yield violation(
                f'namespace "{ns}": add a default-deny NetworkPolicy'
                " (podSelector: {}, policyTypes: [Ingress, Egress], no rules).",
                first.urn,
            )


def _exposure(resource: Resource, settings: Settings) -> Iterable[Finding]:
    if resource.type == _SERVICE:
        yield from _service(resource, settings)
    else:
        yield from _ingress(resource)


def _service(resource: Resource, settings: Settings) -> Iterable[Finding]:
    kind, external_ips = resource.get("spec", "type"), resource.get("spec", "externalIPs")
    if kind is UNKNOWN or external_ips is UNKNOWN:
        yield cannot_verify("spec.type / spec.externalIPs", subject=resource.display)
        return
    exposed = []
    if kind in ("LoadBalancer", "NodePort"):
        exposed.append(f"type {kind}")
    if external_ips:
        exposed.append("externalIPs")
    ns = resource.namespace
    names = resource.names
    if exposed and not any(
        settings.is_public_service(ns if isinstance(ns, str) else None, n) for n in names
    ):
        yield violation(
            f"{resource.display}: {' and '.join(exposed)} exposes it outside the cluster; "
            "use ClusterIP behind the"
            " ingress, or list the Service under publicServices with a reason."
        )


def _ingress(resource: Resource) -> Iterable[Finding]:
    spec: Any = plain(resource.get("spec"))
    if spec is UNKNOWN or not isinstance(spec, dict):
        yield cannot_verify("spec", subject=resource.display)
        return
    hosts = [r.get("host") for r in spec.get("rules") or [] if isinstance(r, dict)]
    if not hosts or any(h in (None, "") for h in hosts):
        yield violation(
            f"{resource.display}: every rule needs a host; a hostless rule answers for any name."
        )
    tls_hosts = {
        h for t in spec.get("tls") or [] if isinstance(t, dict) for h in t.get("hosts") or []
    }
    uncovered = [h for h in hosts if isinstance(h, str) and h and h not in tls_hosts]
    if uncovered or not spec.get("tls"):
        listed = ", ".join(uncovered) if uncovered else "its hosts"
        yield violation(f"{resource.display}: add spec.tls (with a secretName) covering {listed}.")


RULES: list[Rule] = [
    Rule(
        "K19",
        "require-network-policies",
        (
            "Each workload is selected by a NetworkPolicy that allows its traffic; each namespace"
            " has a default-deny policy (Ingress and Egress, no rules)."
        ),
        Severity.HIGH,
        MANDATORY,
        "Add a default-deny NetworkPolicy per namespace and one allow policy per workload.",
        "workloads, NetworkPolicy (stack)",
        stack_check=_network_policies,
    ),
    Rule(
        "K21",
        "restrict-service-exposure",
        (
            "No LoadBalancer/NodePort/externalIPs Services except allowlisted ingress; Ingress "
            "has host and TLS."
        ),
        Severity.HIGH,
        MANDATORY,
        "Use ClusterIP Services behind the ingress controller; give Ingress hosts and TLS.",
        "Service, Ingress",
        check=_exposure,
        types=(_SERVICE, _INGRESS),
        reads=("publicServices",),
    ),
]
