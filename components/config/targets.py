"""Cluster targets: where the service and its observability stack run.

A stack lists one or more targets. Each cloud has its own model; the field
`cloud` picks which one, so the error for a typo in it lists every cloud.
"""

from __future__ import annotations

from ipaddress import ip_network
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from .base import DnsLabel, Model, SecretKey

Arch = Literal["amd64", "arm64"]


def _cidr(text: str) -> str:
    ip_network(text, strict=True)
    return text


Cidr = Annotated[str, AfterValidator(_cidr)]


class NodePoolConfig(Model):
    """One group of worker nodes of a single CPU architecture."""

    name: DnsLabel
    arch: Arch
    instance_type: str = Field(
        min_length=1, description="EC2 type, GCE machine type or Azure VM size"
    )
    min_size: int = Field(default=1, ge=0)
    max_size: int = Field(default=3, ge=1)
    desired_size: int | None = Field(default=None, ge=0)

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
    username: str | None = None
    password_secret: SecretKey | None = Field(
        default=None, description="config key holding the password or token, set with --secret"
    )
    insecure: bool = False


class LocalTarget(Model):
    """The laptop/CI target: a registry on 127.0.0.1 and the current kubeconfig, or none.

    With `mode: auto` gantry applies to the kubeconfig's cluster when one is
    configured and otherwise renders manifests to `render_dir`.
    """

    cloud: Literal["local"]
    name: DnsLabel
    mode: Literal["auto", "cluster", "render"] = "auto"
    kubeconfig_context: str | None = None
    render_dir: str = "out/local"
    registry: str = Field(
        default="127.0.0.1:5001", pattern=r"^(127\.0\.0\.1|localhost):[0-9]{2,5}$"
    )


class ExistingTarget(Model):
    """A cluster gantry does not create: a kubeconfig (secret) and a registry."""

    cloud: Literal["existing"]
    name: DnsLabel
    kubeconfig_secret: SecretKey = Field(
        description="config key holding the kubeconfig, set with --secret"
    )
    context: str | None = None
    registry: RegistryCredentials
    region: str = Field(default="", description="where the cluster runs, for outputs only")
    managed_control_plane: bool = Field(
        default=True,
        description="true when scheduler, controller-manager and etcd metrics are not reachable",
    )


class AwsTarget(Model):
    """EKS in a new VPC across three zones, with ECR and KMS."""

    cloud: Literal["aws"]
    name: DnsLabel
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")
    kubernetes_version: str = Field(default="1.34", pattern=r"^1\.[0-9]{2}$")
    vpc_cidr: Cidr = "10.40.0.0/16"
    api_public_cidrs: list[Cidr] = Field(
        default_factory=list,
        description="CIDRs allowed to reach the public API endpoint; empty means private only",
    )
    node_pools: list[NodePoolConfig] = Field(min_length=1)
    keep_releases: int = Field(
        default=30, ge=1, description="tagged images ECR keeps per repository"
    )
    untagged_image_days: int = Field(
        default=7, ge=1, description="days before untagged images expire"
    )


class GcpTarget(Model):
    """GKE (VPC-native, private nodes, Workload Identity) with Artifact Registry."""

    cloud: Literal["gcp"]
    name: DnsLabel
    project: str = Field(pattern=r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")
    region: str = Field(pattern=r"^[a-z]+-[a-z]+[0-9]$")
    release_channel: Literal["RAPID", "REGULAR", "STABLE"] = "REGULAR"
    master_authorized_cidrs: list[Cidr] = Field(default_factory=list)
    node_pools: list[NodePoolConfig] = Field(min_length=1)
    keep_releases: int = Field(
        default=30, ge=1, description="tagged versions Artifact Registry keeps"
    )
    untagged_image_days: int = Field(
        default=7, ge=1, description="days before untagged images are deleted"
    )


class AzureTarget(Model):
    """AKS with Entra ID + Azure RBAC, workload identity and ACR."""

    cloud: Literal["azure"]
    name: DnsLabel
    location: str = Field(pattern=r"^[a-z]+[a-z0-9]*$")
    kubernetes_version: str = Field(default="1.34", pattern=r"^1\.[0-9]{2}$")
    admin_group_object_ids: list[str] = Field(min_length=1)
    api_authorized_cidrs: list[Cidr] = Field(default_factory=list)
    node_pools: list[NodePoolConfig] = Field(min_length=1)
    untagged_image_days: int = Field(
        default=7, ge=1, description="days ACR keeps untagged manifests"
    )


TargetConfig = Annotated[
    LocalTarget | ExistingTarget | AwsTarget | GcpTarget | AzureTarget,
    Field(discriminator="cloud"),
]

CLOUD_TARGETS = ("aws", "gcp", "azure")
