"""Image references must pin a digest; the spec follows the stack config."""

from __future__ import annotations

import pytest

from components.go_service.spec import ServiceSpec, validate_image_reference
from components.observability.endpoints import endpoints_for

from .conftest import DIGEST, service_spec, stack_spec


@pytest.mark.parametrize(
    "reference",
    [
        f"registry.example.com/hello@{DIGEST}",
        f"127.0.0.1:5001/hello@{DIGEST}",
        f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/hello:0.1.0@{DIGEST}",
        f"europe-west1-docker.pkg.dev/proj/repo/hello@{DIGEST}",
    ],
)
def test_digest_references_are_accepted(reference: str) -> None:
    assert validate_image_reference(reference) == reference


@pytest.mark.parametrize(
    "reference",
    [
        "registry.example.com/hello",
        "registry.example.com/hello:latest",
        "registry.example.com/hello:0.1.0",
        "registry.example.com/hello@sha256:abc",
        f"registry.example.com/hello@{DIGEST.upper()}",
        f"hello@{DIGEST}",  # no registry: resolves to Docker Hub implicitly
        f"registry.example.com/hello@{DIGEST} ",
    ],
)
def test_references_without_a_digest_are_rejected(reference: str) -> None:
    with pytest.raises(ValueError, match="not pinned by digest"):
        validate_image_reference(reference)


def test_spec_rejects_a_tag_at_construction() -> None:
    with pytest.raises(ValueError, match="not pinned by digest"):
        service_spec(image="registry.example.com/hello:latest")


def test_spec_rejects_sharing_the_observability_namespace() -> None:
    with pytest.raises(ValueError, match="observability namespace"):
        service_spec({"namespace": "observability"})


def test_dev_and_prod_sizing_come_from_the_profiles() -> None:
    dev, prod = stack_spec("dev"), stack_spec("prod")
    assert (dev.service.replicas.min, dev.service.replicas.max) == (1, 3)
    assert prod.service.replicas.min >= 3
    assert dev.zone_spread == "preferred"
    assert prod.zone_spread == "required"
    assert prod.service.resources.memory_limit == "256Mi"
    assert prod.service.ingress.enabled and not dev.service.ingress.enabled


def test_every_committed_stack_runs_the_observability_stack() -> None:
    for stack in ("local", "dev", "prod"):
        assert stack_spec(stack).observability is not None, stack


def test_otlp_endpoint_follows_the_observability_namespace() -> None:
    assert endpoints_for("obs").otlp_endpoint == "http://alloy.obs.svc.cluster.local:4317"
    prod = stack_spec("prod").observability
    assert prod is not None
    assert prod.otlp_endpoint == "http://alloy.observability.svc.cluster.local:4317"


def test_scales_only_when_max_exceeds_min() -> None:
    assert service_spec({"replicas": {"min": 2, "max": 5}}).scales
    assert not service_spec({"replicas": {"min": 2, "max": 2}}).scales


def test_spec_is_immutable() -> None:
    spec = service_spec()
    assert isinstance(spec, ServiceSpec)
    with pytest.raises(AttributeError):
        spec.environment = "other"  # type: ignore[misc]
