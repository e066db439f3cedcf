"""GoService: one Go service image, by digest, on one cluster target."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from .manifests import render
from .spec import ServiceSpec, validate_image_reference


@dataclass(frozen=True)
class GoServiceArgs:
    """Inputs of one GoService.

    spec: what the manifests depend on (`ServiceSpec`: the workload settings,
        the image by digest, the observability stack's contract, the target's
        zones and identity).
    monitoring_depends_on: resources that install the ServiceMonitor CRD (the
        observability stack); default none.

    The Kubernetes provider comes through `opts.provider` and reaches every
    child through the parent chain.
    """

    spec: ServiceSpec
    monitoring_depends_on: Sequence[pulumi.Resource] = ()


class GoService(pulumi.ComponentResource):
    """Namespace (PSA restricted), ServiceAccount, NetworkPolicies, Service, PriorityClass,
    Deployment, HPA, PDB, ServiceMonitor and Ingress for the service.

    Outputs: `namespace`, `service_name`, `cluster_url` (in-cluster http URL),
    `public_url` (https URL of the Ingress, None without one).
    """

    namespace: pulumi.Output[str]
    service_name: pulumi.Output[str]
    cluster_url: pulumi.Output[str]
    public_url: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: GoServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gantry:go_service:GoService", name, None, opts)
        spec = _checked(args.spec)
        created: dict[str, list[pulumi.Resource]] = {}

        def register(
            obj: dict[str, Any],
            depends_on: Sequence[pulumi.Resource] = (),
            extra: pulumi.ResourceOptions | None = None,
        ) -> Any:
            opts = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
            resource = self._register(name, obj, pulumi.ResourceOptions.merge(opts, extra))
            created.setdefault(obj["kind"], []).append(resource)
            return resource

        objects = render(spec)
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for obj in objects:
            by_kind.setdefault(obj["kind"], []).append(obj)

        namespace = register(by_kind["Namespace"][0])
        in_namespace = [namespace]
        account = register(by_kind["ServiceAccount"][0], in_namespace)
        policies = [register(obj, in_namespace) for obj in by_kind["NetworkPolicy"]]
        service = register(by_kind["Service"][0], in_namespace)
        # Pods start only once their identity and their network fence exist.
        # The HPA owns the replica count once it exists: `up` must never reset it.
        replicas = pulumi.ResourceOptions(ignore_changes=["spec.replicas"] if spec.scales else [])
        priority = register(by_kind["PriorityClass"][0])
        workload = register(by_kind["Deployment"][0], [account, priority, *policies], replicas)
        for obj in by_kind.get("HorizontalPodAutoscaler", []):
            register(obj, [workload])
        for obj in by_kind.get("PodDisruptionBudget", []):
            register(obj, [workload])
        for obj in by_kind.get("ServiceMonitor", []):
            register(obj, [service, *args.monitoring_depends_on])
        for obj in by_kind.get("Ingress", []):
            register(obj, [service])

        port = spec.service.port
        self.namespace = namespace.metadata.name
        self.service_name = service.metadata.name
        self.cluster_url = pulumi.Output.concat(
            "http://", self.service_name, ".", self.namespace, ".svc.cluster.local:", str(port)
        )
        host = spec.service.ingress.host if "Ingress" in created else None
        self.public_url = pulumi.Output.from_input(f"https://{host}") if host else None
        self.register_outputs(
            {
                "namespace": self.namespace,
                "service_name": self.service_name,
                "cluster_url": self.cluster_url,
                "public_url": self.public_url,
            }
        )

    @staticmethod
    def _register(name: str, obj: dict[str, Any], opts: pulumi.ResourceOptions) -> Any:
        """One builder object as its typed Pulumi resource (opts carry parent=self)."""
        kind: str = obj["kind"]
        metadata = obj["metadata"]
        if kind == "Namespace":
            return k8s.core.v1.Namespace(f"{name}-namespace", metadata=metadata, opts=opts)
        if kind == "ServiceAccount":
            return k8s.core.v1.ServiceAccount(
                f"{name}-service-account",
                metadata=metadata,
                automount_service_account_token=obj["automountServiceAccountToken"],
                opts=opts,
            )
        if kind == "PriorityClass":
            return k8s.scheduling.v1.PriorityClass(
                f"{name}-priority-class",
                metadata=metadata,
                value=obj["value"],
                global_default=obj["globalDefault"],
                preemption_policy=obj["preemptionPolicy"],
                description=obj["description"],
                opts=opts,
            )
        if kind == "ServiceMonitor":
            return k8s.apiextensions.CustomResource(
                f"{name}-service-monitor",
                api_version=obj["apiVersion"],
                kind=kind,
                metadata=metadata,
                spec=obj["spec"],
                opts=opts,
            )
        suffix, resource_class = _WITH_SPEC[kind]
        if kind == "NetworkPolicy":
            suffix = f"{suffix}-{metadata['name']}"
        return resource_class(f"{name}-{suffix}", metadata=metadata, spec=obj["spec"], opts=opts)


_WITH_SPEC: dict[str, tuple[str, Any]] = {
    "NetworkPolicy": ("netpol", k8s.networking.v1.NetworkPolicy),
    "Service": ("service", k8s.core.v1.Service),
    "Deployment": ("deployment", k8s.apps.v1.Deployment),
    "HorizontalPodAutoscaler": ("hpa", k8s.autoscaling.v2.HorizontalPodAutoscaler),
    "PodDisruptionBudget": ("pdb", k8s.policy.v1.PodDisruptionBudget),
    "Ingress": ("ingress", k8s.networking.v1.Ingress),
}
"""Kinds built as `Class(name, metadata=, spec=, opts=)`, with their child-name suffix."""


def _checked(spec: ServiceSpec) -> ServiceSpec:
    """The spec with its image reference checked: now when known, at deploy time otherwise."""
    if isinstance(spec.image, str):
        return spec  # checked in ServiceSpec.__post_init__
    image = pulumi.Output.from_input(spec.image).apply(validate_image_reference)  # type: ignore[arg-type]
    return replace(spec, image=image)
