"""Cluster targets: one module per cloud, all yielding a `ClusterTarget`."""

from .base import ClusterTarget, ObjectStorage, RegistryEndpoint, WorkloadIdentity

__all__ = ["ClusterTarget", "ObjectStorage", "RegistryEndpoint", "WorkloadIdentity"]
