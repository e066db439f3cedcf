"""The `local` target: a cluster from the current kubeconfig, or rendered YAML.

No cloud and no internet: images go to a registry on 127.0.0.1 (plain
HTTP, no credentials), and Kubernetes objects either go to the kubeconfig's
cluster or, when there is none, are written to `render_dir` (which holds
secrets in plaintext and must stay out of git).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from components.config.targets import LocalTarget

from .base import ClusterTarget, RegistryEndpoint
from .context import TargetContext

KubeconfigProbe = Callable[[], Path | None]


def find_kubeconfig(env: Mapping[str, str] | None = None, home: Path | None = None) -> Path | None:
    """The kubeconfig kubectl would use: first existing `KUBECONFIG` entry, else ~/.kube/config."""
    environ = os.environ if env is None else env
    listed = [p for p in environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    candidates = [Path(p).expanduser() for p in listed]
    if not listed:
        candidates.append((home or Path.home()) / ".kube" / "config")
    return next((p for p in candidates if p.is_file()), None)


def resolve_mode(mode: str, kubeconfig: Path | None) -> str:
    """`cluster` or `render` for a configured mode and what the probe found."""
    if mode == "render":
        return "render"
    if kubeconfig is not None:
        return "cluster"
    if mode == "cluster":
        msg = (
            "local target mode is 'cluster' but there is no kubeconfig (KUBECONFIG, ~/.kube/config)"
        )
        raise ValueError(msg)
    return "render"


@dataclass(frozen=True)
class LocalClusterArgs:
    """`config`: the target's stack config. `context`: service name etc.
    `probe`: finds the kubeconfig at program time (default `find_kubeconfig`; tests inject one)."""

    config: LocalTarget
    context: TargetContext = field(default_factory=TargetContext)
    probe: KubeconfigProbe = find_kubeconfig


class LocalCluster(pulumi.ComponentResource):
    """A Kubernetes provider for the local cluster (or a render directory), and a loopback registry.

    Outputs: `kubeconfig` (secret; empty when rendering), `cluster_name`,
    `region` (`local`), `repository`, `mode`.
    """

    target: ClusterTarget

    def __init__(
        self, name: str, args: LocalClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gantry:targets:LocalCluster", name, None, opts)
        cfg = args.config
        path = args.probe()
        mode = resolve_mode(cfg.mode, path)
        if mode == "render":
            kubeconfig = pulumi.Output.secret("")
            provider = k8s.Provider(
                f"{name}-k8s",
                render_yaml_to_directory=cfg.render_dir,
                opts=pulumi.ResourceOptions(parent=self),
            )
            cluster_name = "rendered"
        else:
            assert path is not None  # resolve_mode returns cluster only with a kubeconfig
            kubeconfig = pulumi.Output.secret(path.read_text(encoding="utf-8"))
            provider = k8s.Provider(
                f"{name}-k8s",
                kubeconfig=kubeconfig,
                context=cfg.kubeconfig_context,
                opts=pulumi.ResourceOptions(parent=self),
            )
            cluster_name = cfg.kubeconfig_context or "current-context"
        registry = RegistryEndpoint(
            repository=f"{cfg.registry}/{args.context.service}",
            server=cfg.registry,
            insecure=True,
        )
        self.target = ClusterTarget(
            name=cfg.name,
            provider=provider,
            kubeconfig=kubeconfig,
            cluster_name=cluster_name,
            region="local",
            registry=registry,
            managed_control_plane=False,
            render_dir=cfg.render_dir if mode == "render" else None,
        )
        self.register_outputs(
            {
                "kubeconfig": kubeconfig,
                "cluster_name": cluster_name,
                "region": "local",
                "repository": registry.repository,
                "mode": mode,
            }
        )


def build(
    config: LocalTarget, context: TargetContext, opts: pulumi.ResourceOptions | None = None
) -> ClusterTarget:
    """Factory entry point: one LocalCluster named after the target."""
    return LocalCluster(config.name, LocalClusterArgs(config=config, context=context), opts).target
