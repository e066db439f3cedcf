"""The `local` target: the local control plane, a named kubeconfig, or rendered YAML.

No cloud and no internet: images go to a registry on 127.0.0.1 (plain
HTTP, no credentials), and Kubernetes objects either go to the kubeconfig's
cluster or, when there is none, are written to `render_dir` (which holds
secrets in plaintext and must stay out of git).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.placement import Placement
from localcluster.render import SIMULATED_LABEL, SIMULATED_TAINT
from localcluster.settings import pinned_versions

from .base import ClusterTarget, RegistryEndpoint
from .context import TargetContext
from .settings import LocalSettings

CLUSTER_KUBECONFIG = Path("cluster", "kubeconfig")


def local_control_plane_kubeconfig(env: Mapping[str, str] | None = None) -> Path:
    """Where scripts/local-cluster.sh writes the admin kubeconfig of the local control plane."""
    environ = os.environ if env is None else env
    if cluster_dir := environ.get("GANTRY_CLUSTER_DIR"):
        return Path(cluster_dir) / CLUSTER_KUBECONFIG.name
    cache = environ.get("GANTRY_CACHE") or str(Path.home() / ".cache" / "gantry")
    return Path(cache) / CLUSTER_KUBECONFIG


SIMULATED_PLACEMENT = Placement(
    node_selector=dict([SIMULATED_LABEL]), tolerations=({**SIMULATED_TAINT, "operator": "Equal"},)
)
"""kwok's nodes: labelled and tainted by scripts/local-cluster.sh, so only pods placed here on
purpose land there."""

REAL_PLACEMENT = Placement(avoided_labels=dict([SIMULATED_LABEL]))
"""The real nodes: any node but kwok's. Pods that tolerate every taint (node-exporter's
DaemonSet) would otherwise get stand-ins on kwok's nodes, with addresses nothing answers."""

VERSIONS_ENV = Path(__file__).resolve().parents[2] / "toolchain" / "versions.env"


def local_kubernetes_version(versions_env: Path = VERSIONS_ENV) -> str:
    """The local control plane's version, pinned in toolchain/versions.env: charts are
    rendered for it in render mode, where no cluster answers (Helm would assume v1.20)."""
    if version := pinned_versions(versions_env).get("KUBERNETES_VERSION"):
        return version
    msg = f"{versions_env}: no KUBERNETES_VERSION"
    raise ValueError(msg)


def server_port(kubeconfig: str, context: str | None = None) -> int | None:
    """The API server's port in a kubeconfig (its current or named context); None when it
    names none, or the usual 443."""
    document = yaml.safe_load(kubeconfig) or {}
    wanted = context or document.get("current-context")
    contexts = {c["name"]: c["context"] for c in document.get("contexts") or []}
    clusters = {c["name"]: c["cluster"] for c in document.get("clusters") or []}
    cluster = clusters.get(contexts.get(wanted, {}).get("cluster", ""), {})
    port = urlsplit(cluster.get("server", "")).port
    return port if port not in (None, 443) else None


def kubeconfig_path(config: LocalSettings, env: Mapping[str, str] | None = None) -> Path:
    """The kubeconfig the config names, or the local control plane's; it must exist."""
    path = (
        Path(config.kubeconfig).expanduser()
        if config.kubeconfig
        else local_control_plane_kubeconfig(env)
    )
    if not path.is_file():
        hint = (
            "name an existing file in the target's `kubeconfig`"
            if config.kubeconfig
            else "start the local control plane first: make cluster"
        )
        msg = f"local target '{config.name}': no kubeconfig at {path}; {hint} (or set mode: render)"
        raise ValueError(msg)
    return path


@dataclass(frozen=True)
class LocalClusterArgs:
    """`settings`: the target's own settings. `context`: service name etc.
    `env`: where the local control plane's kubeconfig is looked up (default os.environ)."""

    settings: LocalSettings
    context: TargetContext = field(default_factory=TargetContext)
    env: Mapping[str, str] | None = None


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
        cfg = args.settings
        mode = cfg.mode
        if mode == "render":
            kubeconfig = pulumi.Output.secret("")
            provider = k8s.Provider(
                f"{name}-k8s",
                render_yaml_to_directory=cfg.render_dir,
                opts=pulumi.ResourceOptions(parent=self),
            )
            cluster_name = "rendered"
            api_port = None
        else:
            path = kubeconfig_path(cfg, args.env)
            kubeconfig = pulumi.Output.secret(path.read_text(encoding="utf-8"))
            provider = k8s.Provider(
                f"{name}-k8s",
                kubeconfig=kubeconfig,
                context=cfg.kubeconfig_context,
                opts=pulumi.ResourceOptions(parent=self),
            )
            cluster_name = cfg.kubeconfig_context or (
                "current-context" if cfg.kubeconfig else "gantry-local"
            )
            api_port = server_port(path.read_text(encoding="utf-8"), cfg.kubeconfig_context)
        own_node = mode == "cluster" and not cfg.kubeconfig and cfg.nodes == "real"
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
            # The local control plane runs as host processes, not as pods the observability
            # stack's Services can select: nothing to scrape, as on a managed cloud.
            managed_control_plane=mode == "cluster" and not cfg.kubeconfig,
            render_dir=cfg.render_dir if mode == "render" else None,
            placement=SIMULATED_PLACEMENT if cfg.nodes == "simulated" else REAL_PLACEMENT,
            stand_in_placement=SIMULATED_PLACEMENT,
            kube_version=local_kubernetes_version() if mode == "render" else None,
            api_server_port=api_port,
            # Its real nodes share this machine's network, and its root mount is private.
            host_network=not own_node,
            host_mount_propagation=not own_node,
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
    settings: LocalSettings, context: TargetContext, opts: pulumi.ResourceOptions | None = None
) -> ClusterTarget:
    """Factory entry point: one LocalCluster named after the target."""
    return LocalCluster(settings.name, LocalClusterArgs(settings, context), opts).target
