"""The labels every object carries (Kubernetes' recommended `app.kubernetes.io/*` set).

Selectors use only the two labels that never change for the life of the
service; `version` changes with every release, so it labels objects but never
selects them (a Deployment's selector is immutable).
"""

from __future__ import annotations

from .spec import ServiceSpec

PART_OF = "gantry"
MANAGED_BY = "pulumi"


def selector_labels(spec: ServiceSpec) -> dict[str, str]:
    """The stable labels that select the service's pods."""
    return {
        "app.kubernetes.io/name": spec.name,
        "app.kubernetes.io/instance": spec.name,
    }


def standard_labels(spec: ServiceSpec, component: str = "api") -> dict[str, str]:
    """Selector labels plus version, component, part-of and managed-by."""
    return {
        **selector_labels(spec),
        "app.kubernetes.io/version": spec.app_version,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def metadata(spec: ServiceSpec, name: str, component: str = "api") -> dict[str, object]:
    """Namespaced object metadata with the standard labels."""
    return {"name": name, "namespace": spec.namespace, "labels": standard_labels(spec, component)}
