"""Specs for the builders: the committed stacks' configs and a digest reference."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from components.go_service.spec import ServiceSpec
from components.observability.endpoints import endpoints_for
from gantry.config.service import ServiceConfig
from gantry.config_adapter import planned_endpoints, service_settings
from gantry.config_adapter import service_spec as adapter_spec
from scripts.render_manifests import load_stack

DIGEST = "sha256:" + "ab" * 32
IMAGE = f"registry.example.com/team/hello@{DIGEST}"

SpecFactory = Callable[..., ServiceSpec]


def stack_spec(stack: str, **changes: Any) -> ServiceSpec:
    """The spec a committed stack gives, with optional field overrides."""
    config = load_stack(stack)
    spec = adapter_spec(
        config, image=IMAGE, environment=stack, observability=planned_endpoints(config)
    )
    return replace(spec, **changes) if changes else spec


def service_spec(service: dict[str, Any] | None = None, **changes: Any) -> ServiceSpec:
    """A spec from `gantry:service` given as `service` (defaults otherwise), with an
    observability stack in `observability`."""
    base = ServiceSpec(
        service=service_settings(ServiceConfig.model_validate(service or {})),
        image=IMAGE,
        app_version="1.2.3",
        environment="test",
        observability=endpoints_for("observability"),
    )
    return replace(base, **changes) if changes else base


@pytest.fixture(params=["dev", "prod"])
def profile_spec(request: pytest.FixtureRequest) -> ServiceSpec:
    """The dev and the prod stack's spec."""
    return stack_spec(request.param)
