"""What gantry deploys to one target: the components and how their contracts meet.

`gantry/program.py` calls `deploy_to_target` once per target with the
args that gantry/config_adapter.py derived from the stack config;
keeping the wiring here lets it be type-checked and read in one place. It
registers no component of its own, so resource names and URNs stay those of
the parts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.admission import SignatureVerification
from components.admission.component import SignatureVerificationArgs
from components.alert_rules import AlertRules, AlertRulesArgs
from components.go_service.component import GoService, GoServiceArgs
from components.observability.component import ObservabilityStack, ObservabilityStackArgs
from components.observability.endpoints import ObservabilityEndpoints
from components.targets.base import ClusterTarget

ServiceArgsFor = Callable[[ObservabilityEndpoints | None, Sequence[pulumi.Resource]], GoServiceArgs]
"""GoService's args given the observability stack's endpoints (None without a stack) and
the resources its ServiceMonitor waits for."""
AlertArgsFor = Callable[[ObservabilityEndpoints], AlertRulesArgs]
"""AlertRules' args given the observability stack's endpoints."""


@dataclass(frozen=True)
class DeploymentArgs:
    """Every component's args on one target (gantry/config_adapter.py builds them).

    service_name: the service's name; GoService is named `<target>-<service_name>`.
    port: the service's port, for the `port_forward` output.
    image: the image by digest in this target's registry.
    go_service, alert_rules: the two components that take the observability
        stack's endpoints, which exist only once the stack does.
    observability: ObservabilityStack's args; default None: no stack, no
        alerts, no ServiceMonitor.
    signature_verification: SignatureVerification's args; default None: images
        are not checked at admission.
    """

    service_name: str
    port: int
    image: pulumi.Input[str]
    go_service: ServiceArgsFor
    alert_rules: AlertArgsFor
    observability: ObservabilityStackArgs | None = None
    signature_verification: SignatureVerificationArgs | None = None


def deploy_to_target(target: ClusterTarget, args: DeploymentArgs) -> dict[str, Any]:
    """Admission checks, observability, alerts and the service on `target`; its outputs.

    The observability stack's `endpoints` go to GoService and AlertRules as they
    are: no name is restated on either side.
    """
    opts = pulumi.ResourceOptions(provider=target.provider)
    # Installed before the service, whose namespace opts in: its first pod is checked too.
    verification = (
        SignatureVerification(f"{target.name}-signatures", args.signature_verification, opts)
        if args.signature_verification
        else None
    )
    observability = None
    if args.observability:
        observability = ObservabilityStack(f"{target.name}-observability", args.observability, opts)
        AlertRules(
            f"{target.name}-alerts",
            args.alert_rules(observability.endpoints),
            pulumi.ResourceOptions(provider=target.provider, depends_on=[observability]),
        )
    endpoints = observability.endpoints if observability else None
    service = GoService(
        f"{target.name}-{args.service_name}",
        args.go_service(endpoints, [observability] if observability else []),
        pulumi.ResourceOptions(
            provider=target.provider, depends_on=[verification] if verification else []
        ),
    )
    port = args.port
    return {
        "cluster": target.cluster_name,
        "region": target.region,
        "image": args.image,
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
