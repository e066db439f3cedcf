"""What gantry deploys to one target, given the stack config and the image.

`__main__.py` calls `deploy_to_target` once per target; keeping the wiring
here lets it be type-checked and read in one place. It registers no
component of its own, so resource names and URNs stay those of the parts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from .admission import SignatureVerification
from .alert_rules import AlertRules
from .config import StackConfig
from .config_adapter import alert_rules_args, go_service_args, observability_args, signature_args
from .go_service.component import GoService
from .observability.component import ObservabilityStack
from .targets.base import ClusterTarget


def deploy_to_target(
    config: StackConfig,
    target: ClusterTarget,
    *,
    image: pulumi.Input[str],
    environment: str,
    first_party_repositories: Sequence[pulumi.Input[str]],
    secrets: Mapping[str, pulumi.Output[str]],
) -> dict[str, Any]:
    """Admission checks, observability, alerts and the service on `target`; its outputs.

    `environment` is the stack's name (the service reports it as
    `deployment.environment.name`). The observability stack's `endpoints` go to
    GoService and AlertRules as they are: no name is restated on either side.
    """
    opts = pulumi.ResourceOptions(provider=target.provider)
    # Installed before the service, whose namespace opts in: its first pod is checked too.
    verification = (
        SignatureVerification(
            f"{target.name}-signatures",
            signature_args(config, target, list(first_party_repositories)),
            opts,
        )
        if config.image.signature_verification.enabled
        else None
    )
    observability = None
    if config.observability.enabled:
        observability = ObservabilityStack(
            f"{target.name}-observability", observability_args(config, target, secrets), opts
        )
        AlertRules(
            f"{target.name}-alerts",
            alert_rules_args(config, observability.endpoints),
            pulumi.ResourceOptions(provider=target.provider, depends_on=[observability]),
        )
    endpoints = observability.endpoints if observability else None
    service = GoService(
        f"{target.name}-{config.service.name}",
        go_service_args(
            config,
            target,
            image=image,
            environment=environment,
            observability=endpoints,
            monitoring_depends_on=[observability] if observability else [],
        ),
        pulumi.ResourceOptions(
            provider=target.provider, depends_on=[verification] if verification else []
        ),
    )
    port = config.service.port
    return {
        "cluster": target.cluster_name,
        "region": target.region,
        "image": image,
        "namespace": service.namespace,
        "service_url": service.cluster_url,
        "public_url": service.public_url,
        "port_forward": pulumi.Output.concat(
            "kubectl -n ",
            service.namespace,
            " port-forward svc/",
            service.service_name,
            f" {port}:{port}",
        ),
        "grafana": (
            f"kubectl -n {endpoints.namespace} port-forward svc/{endpoints.grafana_service} 3000:80"
            if endpoints
            else None
        ),
        "otlp_endpoint": endpoints.otlp_endpoint if endpoints else None,
        "observability_requests": observability.requests if observability else None,
        "rendered_manifests": target.render_dir,
    }
