"""Cluster targets: where the service and its observability stack run.

A stack lists one or more targets. Each cloud has its own model; the field
`cloud` picks which one, so the error for a typo in it lists every cloud.
"""

from __future__ import annotations

from ipaddress import ip_network
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from .base import DnsLabel, Model, SecretKey
from .regions import AwsRegion, AzureLocation, GcpRegion

Arch = Literal["amd64", "arm64"]


def _cidr(text: str) -> str:
    ip_network(text, strict=True)
    return text


Cidr = Annotated[str, AfterValidator(_cidr)]


class NodePoolConfig(Model):
    """One group of worker nodes of a single CPU architecture."""

    name: DnsLabel
    """Pool name, unique within the target."""
    arch: Arch
    """CPU architecture of the pool's nodes; the image runs on both."""
    instance_type: str = Field(
        min_length=1, description="EC2 type, GCE machine type or Azure VM size"
    )
    min_size: int = Field(default=1, ge=0)
    """Fewest nodes the autoscaler keeps."""
    max_size: int = Field(default=3, ge=1)
    """Most nodes the autoscaler adds."""
    desired_size: int | None = Field(default=None, ge=0)
    """Starting size; default min_size."""

    @model_validator(mode="after")
    def _sizes_ordered(self) -> NodePoolConfig:
        if self.min_size > self.max_size:
            msg = f"min_size ({self.min_size}) is greater than max_size ({self.max_size})"
            raise ValueError(msg)
        if (
            self.desired_size is not None
            and not self.min_size <= self.desired_size <= self.max_size
        ):
            msg = f"desired_size ({self.desired_size}) is outside [min_size, max_size]"
            raise ValueError(msg)
        return self


class RegistryCredentials(Model):
    """An existing OCI registry (GHCR, Docker Hub, Harbor, ...) and where its secrets live."""

    address: str = Field(min_length=1, pattern=r"^[a-zA-Z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?$")
    """Registry host with optional port and path, e.g. ghcr.io/acme."""
    username: str | None = None
    """User to log in as; none for anonymous push (rare)."""
    password_secret: SecretKey | None = Field(
        default=None, description="config key holding the password or token, set with --secret"
    )
    insecure: bool = False
    """Plain HTTP; only for registries on loopback."""


class LocalTarget(Model):
    """The laptop/CI target: a registry on 127.0.0.1 and a cluster named by this config.

    `mode: cluster` applies to `kubeconfig`, or, when none is named, to the
    control plane `make cluster` runs on 127.0.0.1 (scripts/local-cluster.sh).
    `mode: render` writes the manifests to `render_dir` instead. The choice is
    the config's: nothing probes the machine, so a stack means the same
    everywhere.
    """

    cloud: Literal["local"]
    """Selects this target kind."""
    name: DnsLabel
    """Target name: prefixes every resource and output of this target."""
    mode: Literal["cluster", "render"] = "cluster"
    """cluster: apply to the cluster; render: write manifests, no cluster."""
    kubeconfig: str | None = None
    """kubeconfig file (kind, k3d, ...); none: the local control plane's."""
    kubeconfig_context: str | None = None
    """kubeconfig context to use; default the current one."""
    render_dir: str = "out/local"
    """Where manifests are written in render mode (gitignored; may hold secrets)."""
    registry: str = Field(
        default="127.0.0.1:5001", pattern=r"^(127\.0\.0\.1|localhost):[0-9]{2,5}$"
    )
    """host:port of the registry on loopback (scripts/local-registry.sh)."""
    nodes: Literal["real", "simulated"] = "real"
    """Where the service's pods run on the local control plane (`make cluster`): real, the
    kubelet node whose containers really run (needs root); simulated, kwok's nodes, where
    nothing runs (no root needed). Ignored with `kubeconfig` or `mode: render`."""


class ExistingTarget(Model):
    """A cluster gantry does not create: a kubeconfig (secret) and a registry."""

    cloud: Literal["existing"]
    """Selects this target kind."""
    name: DnsLabel
    """Target name: prefixes every resource and output of this target."""
    kubeconfig_secret: SecretKey = Field(
        description="config key holding the kubeconfig, set with --secret"
    )
    context: str | None = None
    """kubeconfig context to use; default the kubeconfig's current one."""
    registry: RegistryCredentials
    """The registry this cluster pulls from."""
    region: str = Field(default="", description="where the cluster runs, for outputs only")
    managed_control_plane: bool = Field(
        default=True,
        description="true when scheduler, controller-manager and etcd metrics are not reachable",
    )


class AwsTarget(Model):
    """EKS in a new VPC across three zones, with ECR and KMS."""

    cloud: Literal["aws"]
    """Selects this target kind."""
    name: DnsLabel
    """Target name: prefixes every resource and output of this target."""
    region: AwsRegion
    """AWS region, e.g. eu-west-1: one that pulumi_aws.Region lists."""
    kubernetes_version: str = Field(default="1.34", pattern=r"^1\.[0-9]{2}$")
    """EKS minor version."""
    vpc_cidr: Cidr = "10.40.0.0/16"
    """CIDR of the new VPC (three private and three public subnets)."""
    api_public_cidrs: list[Cidr] = Field(
        default_factory=list,
        description="CIDRs allowed to reach the public API endpoint; empty means private only",
    )
    node_pools: list[NodePoolConfig] = Field(min_length=1)
    """Managed node groups; give one amd64 and one arm64 (Graviton) pool."""
    keep_releases: int = Field(
        default=30, ge=1, description="tagged images ECR keeps per repository"
    )
    untagged_image_days: int = Field(
        default=7, ge=1, description="days before untagged images expire"
    )


class GcpTarget(Model):
    """GKE (VPC-native, private nodes, Workload Identity) with Artifact Registry."""

    cloud: Literal["gcp"]
    """Selects this target kind."""
    name: DnsLabel
    """Target name: prefixes every resource and output of this target."""
    project: str = Field(pattern=r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")
    """GCP project id."""
    region: GcpRegion
    """GCP region, e.g. europe-west1; the cluster is regional."""
    release_channel: Literal["RAPID", "REGULAR", "STABLE"] = "REGULAR"
    """GKE release channel."""
    master_authorized_cidrs: list[Cidr] = Field(default_factory=list)
    """CIDRs allowed to reach the API; empty means private endpoint only."""
    node_pools: list[NodePoolConfig] = Field(min_length=1)
    """Node pools; give one amd64 and one arm64 (t2a) pool."""
    keep_releases: int = Field(
        default=30, ge=1, description="tagged versions Artifact Registry keeps"
    )
    untagged_image_days: int = Field(
        default=7, ge=1, description="days before untagged images are deleted"
    )


class AzureTarget(Model):
    """AKS with Entra ID + Azure RBAC, workload identity and ACR."""

    cloud: Literal["azure"]
    """Selects this target kind."""
    name: DnsLabel
    """Target name: prefixes every resource and output of this target."""
    location: AzureLocation
    """Azure region, e.g. westeurope: one that the pinned pulumi-azure-native lists."""
    kubernetes_version: str = Field(default="1.34", pattern=r"^1\.[0-9]{2}$")
    """AKS minor version."""
    admin_group_object_ids: list[str] = Field(min_length=1)
    """Entra ID groups that get cluster-admin through Azure RBAC."""
    api_authorized_cidrs: list[Cidr] = Field(default_factory=list)
    """CIDRs allowed to reach the API; empty means a private cluster."""
    node_pools: list[NodePoolConfig] = Field(min_length=1)
    """Node pools; give one amd64 and one arm64 (Dpsv5) pool."""
    untagged_image_days: int = Field(
        default=7, ge=1, description="days ACR keeps untagged manifests"
    )


TargetConfig = Annotated[
    LocalTarget | ExistingTarget | AwsTarget | GcpTarget | AzureTarget,
    Field(discriminator="cloud"),
]
