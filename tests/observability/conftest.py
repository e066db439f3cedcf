"""Plans and configs shared by the observability tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from components.observability.plan import Plan
from components.placement import Placement
from gantry.config.observability import ObservabilityConfig
from gantry.config_adapter import observability_settings

PlanFactory = Callable[..., Plan]


@pytest.fixture
def make_plan() -> PlanFactory:
    """A Plan for a profile; ha defaults to object storage, as a cloud target gives it."""

    def make(
        profile: str = "small",
        *,
        managed: bool = True,
        object_storage: bool | None = None,
        cluster: str = "aws-dev",
        pod_labels: dict[str, str] | None = None,
        placement: Placement | None = None,
        stand_in_placement: Placement | None = None,
        **config: Any,
    ) -> Plan:
        cfg = ObservabilityConfig.model_validate({"profile": profile, **config})
        return Plan(
            settings=observability_settings(cfg),
            cluster=cluster,
            managed_control_plane=managed,
            object_storage=profile == "ha" if object_storage is None else object_storage,
            storage_pod_labels=pod_labels or {},
            placement=placement or Placement(),
            stand_in_placement=stand_in_placement or Placement(),
        )

    return make


def walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every (path, value) pair in nested values."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, (*path, str(i)))


def resources_blocks(values: dict[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
    """Every container `resources:` block in chart values (not RBAC rules, not PVC specs)."""
    return [
        (path, value)
        for path, value in walk(values)
        if path
        and path[-1] == "resources"
        and isinstance(value, dict)
        and "storage" not in value.get("requests", {})
    ]
