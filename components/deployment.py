"""What gantry deploys to one target, given the stack config and the image.

`__main__.py` calls `deploy_to_target` once per target; keeping the wiring
here lets it be type-checked and read in one place. It registers no
component of its own, so resource names and URNs stay those of the parts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from .admission import SignatureVerification, SignatureVerificationArgs
from .alert_rules import AlertRules, AlertRulesArgs
from .alerts import AlertScope
from .config import StackConfig
from .go_service.component import GoService, GoServiceArgs
from .observability.component import ObservabilityStack, ObservabilityStackArgs
from .targets.base import ClusterTarget

GRAFANA_SERVICE = "kps-grafana"
"""Grafana's Service: the kube-prometheus-stack release `kps` names its subchart so."""


def deploy_to_target(
    config: StackConfig,
    target: ClusterTarget,
    *,
    image: pulumi.Input[str],
    first_party_repositories: Sequence[pulumi.Input[str]],
    secrets: Mapping[str, pulumi.Output[str]],
) -> dict[str, Any]:
    """Admission checks, observability, alerts and the service on `target`; its outputs."""
    opts = pulumi.ResourceOptions(provider=target.provider)
    signing = config.image.signature_verification
    # Installed before the service, whose namespace opts in: its first pod is checked too.
    verification = (
        SignatureVerification(
            f"{target.name}-signatures",
            SignatureVerificationArgs.for_target(signing, target, list(first_party_repositories)),
            opts,
        )
        if signing.enabled
        else None
    )
    observability = None
    if config.observability.enabled:
        observability = ObservabilityStack(
            f"{target.name}-observability",
            ObservabilityStackArgs.from_config(target, config, secrets),
            opts,
        )
        AlertRules(
            f"{target.name}-alerts",
            AlertRulesArgs(
                namespace=observability.namespace,
                scope=AlertScope(
                    service=config.service.name,
                    namespace=config.service.namespace,
                    observability_namespace=config.observability.namespace,
                ),
                slos=list(config.slos),
            ),
            pulumi.ResourceOptions(provider=target.provider, depends_on=[observability]),
        )
    service = GoService(
        f"{target.name}-{config.service.name}",
        GoServiceArgs.for_target(
            config,
            target,
            image=image,
            environment=config.profile,
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
            f"kubectl -n {config.observability.namespace} "
            f"port-forward svc/{GRAFANA_SERVICE} 3000:80"
            if observability
            else None
        ),
        "otlp_endpoint": observability.otlp_endpoint if observability else None,
        "observability_requests": observability.requests if observability else None,
        "rendered_manifests": target.render_dir,
    }
