"""The `existing` target: a cluster and a registry gantry uses but never creates.

Both credentials come from secret config keys and stay secret Outputs: the
kubeconfig reaches only the Kubernetes provider, the registry password only
the image build.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from .base import ClusterTarget, RegistryEndpoint
from .context import TargetContext
from .settings import ExistingRegistry, ExistingSettings


def registry_endpoint(
    registry: ExistingRegistry, service: str, password: pulumi.Output[str] | None
) -> RegistryEndpoint:
    """`address` may carry a path (ghcr.io/org): the repository is `<address>/<service>`."""
    server = registry.address.split("/", 1)[0]
    return RegistryEndpoint(
        repository=f"{registry.address}/{service}",
        server=server,
        username=registry.username,
        password=pulumi.Output.secret(password) if password is not None else None,
        insecure=registry.insecure,
        cache_repository=f"{registry.address}/{service}-cache",
    )


@dataclass(frozen=True)
class ExistingClusterArgs:
    """`settings`: the target's own settings; `context` carries the secret Outputs it names."""

    settings: ExistingSettings
    context: TargetContext = field(default_factory=TargetContext)


class ExistingCluster(pulumi.ComponentResource):
    """A Kubernetes provider for a kubeconfig from secret config, and a registry from config.

    Outputs: `kubeconfig` (secret), `cluster_name` (the context, or `current-context`),
    `repository`.
    """

    target: ClusterTarget

    def __init__(
        self, name: str, args: ExistingClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gantry:targets:ExistingCluster", name, None, opts)
        cfg = args.settings
        kubeconfig = args.context.secret(cfg.kubeconfig_secret)
        password = (
            args.context.secret(cfg.registry.password_secret)
            if cfg.registry.password_secret
            else None
        )
        provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=kubeconfig,
            context=cfg.context,
            opts=pulumi.ResourceOptions(parent=self),
        )
        registry = registry_endpoint(cfg.registry, args.context.service, password)
        cluster_name = cfg.context or "current-context"
        self.target = ClusterTarget(
            name=cfg.name,
            provider=provider,
            kubeconfig=kubeconfig,
            cluster_name=cluster_name,
            region=cfg.region,
            registry=registry,
            managed_control_plane=cfg.managed_control_plane,
        )
        self.register_outputs(
            {
                "kubeconfig": kubeconfig,
                "cluster_name": cluster_name,
                "region": cfg.region,
                "repository": registry.repository,
            }
        )


def build(
    settings: ExistingSettings, context: TargetContext, opts: pulumi.ResourceOptions | None = None
) -> ClusterTarget:
    """Factory entry point: one ExistingCluster named after the target."""
    return ExistingCluster(settings.name, ExistingClusterArgs(settings, context), opts).target
