"""Every object of the service, in apply order, from one spec."""

from __future__ import annotations

from typing import Any

from .ingress import ingress
from .monitoring import service_monitor
from .namespace import namespace, service_account
from .network import network_policies, service
from .scaling import horizontal_pod_autoscaler, pod_disruption_budget
from .spec import ServiceSpec
from .workload import deployment, priority_class


def render(spec: ServiceSpec) -> list[dict[str, Any]]:
    """Namespace first, policies before the pods they fence, the workload, then its satellites."""
    objects: list[dict[str, Any] | None] = [
        namespace(spec),
        service_account(spec),
        *network_policies(spec),
        service(spec),
        priority_class(spec),
        deployment(spec),
        horizontal_pod_autoscaler(spec),
        pod_disruption_budget(spec),
        service_monitor(spec),
        ingress(spec),
    ]
    return [obj for obj in objects if obj is not None]
