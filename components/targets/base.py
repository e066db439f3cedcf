"""The one contract every cluster target hands to the shared components.

Shared components (GoImage, GoService, ObservabilityStack, AlertRules) only
see a `ClusterTarget`; they never ask which cloud it is. What differs per
cloud is computed by that cloud's module and carried here as data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.placement import Placement


@dataclass(frozen=True)
class RegistryEndpoint:
    """Where a target's images live and how to log in.

    `repository` is the full repository address without tag or digest
    (e.g. `<acct>.dkr.ecr.<region>.amazonaws.com/hello`, `127.0.0.1:5001/hello`).
    `password` is always a secret Output when set. `cache_repository` is where
    per-platform build caches go (None: no registry cache), and
    `cache_image_manifest` is True where the registry needs the OCI image
    manifest form of the cache (ECR).
    """

    repository: pulumi.Input[str]
    server: pulumi.Input[str]
    username: pulumi.Input[str] | None = None
    password: pulumi.Output[str] | None = None
    insecure: bool = False
    cache_repository: pulumi.Input[str] | None = None
    cache_image_manifest: bool = False


@dataclass(frozen=True)
class ObjectStorage:
    """Buckets for Loki and Tempo, and the chart values that reach them.

    The cloud module computes the values (storage type, bucket, region or
    account) and the service-account annotations that bind Loki's and
    Tempo's pods to a least-privilege cloud identity.
    """

    loki_values: pulumi.Input[Mapping[str, Any]]
    tempo_values: pulumi.Input[Mapping[str, Any]]
    loki_service_account_annotations: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    tempo_service_account_annotations: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels the identity webhook needs on the pods (AKS: azure.workload.identity/use)."""


WorkloadIdentity = Callable[[str, str], pulumi.Input[Mapping[str, pulumi.Input[str]]]]
"""(namespace, service account) -> annotations binding it to a cloud identity; an
empty mapping for an account the target bound to none (it then gets no cloud access)."""

Annotations = Mapping[str, pulumi.Input[str]]


@dataclass(frozen=True)
class IdentityBindings:
    """A `WorkloadIdentity` as data: the annotations of every account a target bound.

    Built once every cloud identity exists, so calling it never reaches back
    into a half-built cluster component. Accounts not listed get `{}`.
    """

    bindings: Mapping[tuple[str, str], Annotations] = field(default_factory=dict)

    def __call__(self, namespace: str, service_account: str) -> dict[str, pulumi.Input[str]]:
        return dict(self.bindings.get((namespace, service_account), {}))


@dataclass(frozen=True)
class ClusterTarget:
    """Everything gantry deploys to one cluster needs to know about it."""

    name: str
    provider: k8s.Provider
    kubeconfig: pulumi.Output[str]
    cluster_name: pulumi.Input[str]
    region: str
    registry: RegistryEndpoint
    managed_control_plane: bool
    """True where the scheduler, controller-manager and etcd are not pods the observability
    stack can scrape: a managed cloud control plane, or the local cluster's host processes."""
    storage: ObjectStorage | None = None
    workload_identity: WorkloadIdentity | None = None
    service_account_pod_labels: Mapping[str, str] = field(default_factory=dict)
    render_dir: str | None = None
    """Set when manifests are rendered to a directory instead of applied."""
    zones: tuple[str, ...] = ()
    placement: Placement = field(default_factory=Placement)
    """Where gantry's own workloads are scheduled (default anywhere): the local target with
    `nodes: simulated` places them on kwok's nodes."""
    stand_in_placement: Placement = field(default_factory=Placement)
    """Where pods go whose images this cluster cannot pull, to run as stand-ins (default:
    like any other pod). The local cluster has no Grafana, Loki, Tempo or Alloy image
    (AGPL, or not served): their pods run on kwok's simulated nodes."""
    api_server_port: int | None = None
    """The API server's own port where it is not 443 or 6443 (the local control plane's
    GANTRY_CLUSTER_PORT): NetworkPolicies see it, after the `kubernetes` Service's DNAT."""
    host_network: bool = True
    """False where several nodes share one host's network (the local cluster's real nodes
    are kubelets on one machine): a host-network DaemonSet would bind its port twice."""
    host_mount_propagation: bool = True
    """False where the nodes' root mount is private (the local cluster's real node on a
    container host): a hostPath of / cannot then propagate mounts into a container."""
    kube_version: str | None = None
    """The Kubernetes version charts are rendered for when there is no cluster to ask
    (render mode); None: the cluster's own."""
