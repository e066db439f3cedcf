"""Small Kubernetes facts shared by the rules: chart objects, namespaces, labels, selectors."""

from __future__ import annotations

from typing import Any

from .rule import Resource
from .values import get


def labels(resource: Resource) -> dict[str, Any]:
    value = resource.get("metadata", "labels")
    return value if isinstance(value, dict) else {}


def is_chart_object(resource: Resource) -> bool:
    """True for objects a Helm chart rendered (helm.v4.Chart keeps the chart's labels)."""
    found = labels(resource)
    return "helm.sh/chart" in found or found.get("app.kubernetes.io/managed-by") == "Helm"


def namespace_of(resource: Resource) -> Any:
    """``metadata.namespace``; an object without one lands in ``default``, so it is ``default``."""
    ns = resource.namespace
    return "default" if ns is None or ns == "" else ns


def pod_labels(template_metadata: dict[str, Any]) -> dict[str, Any]:
    value = get(template_metadata, "labels")
    return value if isinstance(value, dict) else {}


def selects(selector: Any, pod: dict[str, Any]) -> bool:
    """Label-selector match (matchLabels + In/NotIn/Exists/DoesNotExist); empty selects all."""
    if not isinstance(selector, dict):
        return False
    match = selector.get("matchLabels") or {}
    if any(pod.get(k) != v for k, v in match.items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        present = key in pod
        if (
            (op == "In" and pod.get(key) not in values)
            or (op == "NotIn" and present and pod.get(key) in values)
            or (op == "Exists" and not present)
            or (op == "DoesNotExist" and present)
        ):
            return False
    return True
