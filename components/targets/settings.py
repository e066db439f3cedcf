"""Each target kind's own settings: what its module builds, with documented defaults.

Plain frozen data, free of any cloud SDK, so the factory and
gantry/config_adapter.py (which maps each `gantry:targets` entry onto
one of these) import them without loading pulumi_aws, pulumi_gcp or
pulumi_azure_native. Each cloud module takes its own class; the defaults
are those of the stack config's target models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Arch = Literal["amd64", "arm64"]


@dataclass(frozen=True, kw_only=True)
class NodePool:
    """One group of worker nodes of a single CPU architecture."""

    name: str
    """Pool name, unique within the target."""
    arch: Arch
    """CPU architecture of the pool's nodes; the image runs on both."""
    instance_type: str
    """EC2 type, GCE machine type or Azure VM size."""
    min_size: int = 1
    """Fewest nodes the autoscaler keeps (default 1)."""
    max_size: int = 3
    """Most nodes the autoscaler adds (default 3)."""
    desired_size: int | None = None
    """Starting size; default `min_size`."""


@dataclass(frozen=True, kw_only=True)
class LocalSettings:
    """The local control plane, a named kubeconfig, or manifests written to a directory."""

    name: str
    """Target name: prefixes every resource and output of this target."""
    mode: Literal["cluster", "render"] = "cluster"
    """cluster (default): apply to the cluster; render: write manifests, no cluster."""
    kubeconfig: str | None = None
    """kubeconfig file (kind, k3d, ...); default the local control plane's."""
    kubeconfig_context: str | None = None
    """kubeconfig context; default the current one."""
    render_dir: str = "out/local"
    """Where render mode writes manifests (default out/local; may hold secrets)."""
    registry: str = "127.0.0.1:5001"
    """host:port of the loopback registry (default 127.0.0.1:5001)."""
    nodes: Literal["real", "simulated"] = "real"
    """Where the service's pods run on the local control plane: real (default), the kubelet
    node whose containers really run; simulated, kwok's nodes, where nothing runs."""


@dataclass(frozen=True, kw_only=True)
class ExistingRegistry:
    """An existing OCI registry and the secret config key of its password."""

    address: str
    """Registry host with optional port and path, e.g. ghcr.io/acme."""
    username: str | None = None
    """User to log in as; default none (anonymous)."""
    password_secret: str | None = None
    """Secret config key holding the password or token; default none."""
    insecure: bool = False
    """Plain HTTP (default no; only for registries on loopback)."""


@dataclass(frozen=True, kw_only=True)
class ExistingSettings:
    """A cluster gantry does not create: a kubeconfig from a secret key, and a registry."""

    name: str
    """Target name: prefixes every resource and output of this target."""
    kubeconfig_secret: str
    """Secret config key holding the kubeconfig."""
    registry: ExistingRegistry
    """The registry this cluster pulls from."""
    context: str | None = None
    """kubeconfig context; default the kubeconfig's current one."""
    region: str = ""
    """Where the cluster runs, for outputs only (default empty)."""
    managed_control_plane: bool = True
    """True (default) when scheduler, controller-manager and etcd metrics are unreachable."""


@dataclass(frozen=True, kw_only=True)
class AwsSettings:
    """EKS in a new VPC across three zones, with ECR and KMS."""

    name: str
    """Target name: prefixes every resource and output of this target."""
    region: str
    """AWS region, e.g. eu-west-1."""
    node_pools: tuple[NodePool, ...]
    """Managed node groups (one amd64 and one arm64 pool)."""
    kubernetes_version: str = "1.34"
    """EKS minor version (default 1.34)."""
    vpc_cidr: str = "10.40.0.0/16"
    """CIDR of the new VPC (default 10.40.0.0/16)."""
    api_public_cidrs: tuple[str, ...] = ()
    """CIDRs that may reach the public API endpoint; default none: private only."""
    keep_releases: int = 30
    """Tagged images ECR keeps per repository (default 30)."""
    untagged_image_days: int = 7
    """Days before untagged images expire (default 7)."""


@dataclass(frozen=True, kw_only=True)
class GcpSettings:
    """GKE (VPC-native, private nodes, Workload Identity) with Artifact Registry."""

    name: str
    """Target name: prefixes every resource and output of this target."""
    project: str
    """GCP project id."""
    region: str
    """GCP region, e.g. europe-west1; the cluster is regional."""
    node_pools: tuple[NodePool, ...]
    """Node pools (one amd64 and one arm64 pool)."""
    release_channel: Literal["RAPID", "REGULAR", "STABLE"] = "REGULAR"
    """GKE release channel (default REGULAR)."""
    master_authorized_cidrs: tuple[str, ...] = ()
    """CIDRs that may reach the API; default none: private endpoint only."""
    keep_releases: int = 30
    """Tagged versions Artifact Registry keeps (default 30)."""
    untagged_image_days: int = 7
    """Days before untagged images are deleted (default 7)."""


@dataclass(frozen=True, kw_only=True)
class AzureSettings:
    """AKS with Entra ID + Azure RBAC, workload identity and ACR."""

    name: str
    """Target name: prefixes every resource and output of this target."""
    location: str
    """Azure region, e.g. westeurope."""
    admin_group_object_ids: tuple[str, ...]
    """Entra ID groups that get cluster-admin through Azure RBAC."""
    node_pools: tuple[NodePool, ...]
    """Node pools (one amd64 and one arm64 pool); the first amd64 pool is the System pool."""
    kubernetes_version: str = "1.34"
    """AKS minor version (default 1.34)."""
    api_authorized_cidrs: tuple[str, ...] = ()
    """CIDRs that may reach the API; default none: a private cluster."""
    untagged_image_days: int = 7
    """Days ACR keeps untagged manifests (default 7)."""


TargetSettings = LocalSettings | ExistingSettings | AwsSettings | GcpSettings | AzureSettings
"""One target of any kind; the factory builds it with its kind's module."""
