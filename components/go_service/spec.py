"""What the manifest builders need to know, as one immutable value.

The builders are pure: the same `ServiceSpec` always gives the same objects.
Two fields may hold Pulumi Outputs when the component builds the spec (the
image reference from the build, the identity annotations from the cloud); the
builders only place them, never inspect them, so rendering without an engine
passes plain strings instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pulumi

from components.config.service import ServiceConfig
from components.observability.endpoints import ObservabilityEndpoints

MIN_KUBERNETES_VERSION = "1.32"
"""The oldest Kubernetes the manifests target: every field used is GA or on by
default there (preStop sleep action, matchLabelKeys, unhealthyPodEvictionPolicy).
Targets that do not pin a version (GKE release channels, existing clusters) are
validated against it."""

_IMAGE_REFERENCE = re.compile(
    r"^(?P<repository>[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)+)"
    r"(:(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"@(?P<digest>sha256:[a-f0-9]{64})$"
)


def validate_image_reference(reference: str) -> str:
    """Return `reference` when it pins a digest (`repo[:tag]@sha256:<64 hex>`), else raise.

    A tag alone can be moved to other content after review; a digest cannot, so
    every target runs exactly the bytes that were built, scanned and signed.
    """
    if _IMAGE_REFERENCE.match(reference) is None:
        msg = (
            f"image '{reference}' is not pinned by digest; "
            "use the build's reference, e.g. registry/repo@sha256:<64 hex digits>"
        )
        raise ValueError(msg)
    return reference


@dataclass(frozen=True)
class ServiceSpec:
    """Everything the manifests of one service on one target depend on.

    Required: `service` (the typed config, profile defaults merged),
    `image` (reference with digest), `app_version`, `environment` (the stack
    name, reported as `deployment.environment.name`).
    """

    service: ServiceConfig
    image: pulumi.Input[str]
    app_version: str
    environment: str
    observability: ObservabilityEndpoints | None = None
    """The stack's contract (OTLP endpoint, ServiceMonitor labels, Alloy's pods);
    None (default; the local profile): no ServiceMonitor, no OTLP export."""
    zones: tuple[str, ...] = ()
    """The target's zones when known; with `zone_spread: required` they set minDomains."""
    service_account_annotations: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    """Cloud workload-identity binding for the service account (none: no cloud access)."""
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    """Extra pod labels the identity webhook needs (AKS: azure.workload.identity/use)."""
    signature_verification: bool = False
    """True: the namespace opts in to policy-controller, which admits only signed images."""

    def __post_init__(self) -> None:
        if isinstance(self.image, str):
            validate_image_reference(self.image)
        if self.observability and self.observability.namespace == self.service.namespace:
            msg = "the service must not share the observability namespace: policies collide"
            raise ValueError(msg)

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def namespace(self) -> str:
        return self.service.namespace

    @property
    def scales(self) -> bool:
        """True when the HPA can move the replica count (min < max)."""
        return self.service.replicas.max > self.service.replicas.min

    @property
    def zone_spread(self) -> Literal["preferred", "required"]:
        return self.service.zone_spread
