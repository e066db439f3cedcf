"""ObservabilityStack: the whole stack on one cluster target, wired to the service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.generated_password import GeneratedPassword
from components.placement import Placement
from components.targets.base import ObjectStorage
from components.versions import CHARTS

from . import alertmanager
from .budget import Footprint, footprint
from .dashboards import DASHBOARD_LABEL, dashboard_json, dashboard_uid
from .endpoints import ObservabilityEndpoints, Releases
from .grafana import datasources
from .network import stack_policies
from .plan import ALERTMANAGER_CONFIG_SECRET, GRAFANA_ADMIN_SECRET, Plan
from .settings import ObservabilitySettings
from .transforms import moved_from, server_defaults
from .values_alloy import alloy_values, alloy_workloads
from .values_kps import kps_crd_values, kps_values, kps_workloads
from .values_loki import loki_base_values, loki_values, loki_workloads
from .values_tempo import tempo_base_values, tempo_values, tempo_workloads

DEFAULT_NODES = 3


class StackTarget(Protocol):
    """What the stack reads of its cluster. `ClusterTarget` is one; the component package
    (gantry/package) passes its own, whose provider comes from the caller's options."""

    @property
    def name(self) -> str:
        """The cluster's name (Prometheus' `cluster` external label)."""
        ...

    @property
    def provider(self) -> pulumi.ProviderResource | None:
        """The Kubernetes provider; None: the one the component inherits from its options."""
        ...

    @property
    def managed_control_plane(self) -> bool:
        """True where the cloud hides the scheduler's, controller-manager's and etcd's metrics."""
        ...

    @property
    def storage(self) -> ObjectStorage | None:
        """Buckets and their chart values for the ha profile; None: volumes only."""
        ...

    @property
    def placement(self) -> Placement:
        """Where the stack's pods go whose images the cluster has."""
        ...

    @property
    def stand_in_placement(self) -> Placement:
        """Where the pods go whose images the cluster cannot pull (Grafana, Loki, Tempo and
        Alloy on the local cluster), to run as stand-ins."""
        ...

    @property
    def api_server_port(self) -> int | None:
        """The API server's own port where it is not 443 or 6443 (for NetworkPolicies)."""
        ...

    @property
    def host_network(self) -> bool:
        """False where several nodes share one host's network (node-exporter's port)."""
        ...

    @property
    def host_mount_propagation(self) -> bool:
        """False where the nodes' root mount is private (no propagation into containers)."""
        ...

    @property
    def kube_version(self) -> str | None:
        """The version charts are rendered for when no cluster answers; None: the cluster's."""
        ...


@dataclass(frozen=True)
class ObservabilityStackArgs:
    """Inputs of one ObservabilityStack.

    target: the cluster (provider, managed control plane, object storage hooks).
    settings: the stack's profile, retention, volumes, chart sources and receivers.
    service: the Go service's Kubernetes Service name (= its Prometheus `job`).
    service_namespace: the namespace the service runs in.
    receiver_secrets: secret config key -> secret Output, for every receiver in
        `settings.receivers` (default: none).
    nodes: nodes assumed for DaemonSet pods in the requests budget (default 3).
    releases: the charts' Helm release names (default `Releases()`: kps, loki,
        tempo, alloy); every name other components need derives from them.
    """

    target: StackTarget
    settings: ObservabilitySettings
    service: str
    service_namespace: str
    receiver_secrets: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)
    nodes: int = DEFAULT_NODES
    releases: Releases = field(default_factory=Releases)

    def plan(self) -> Plan:
        storage = self.target.storage
        return Plan(
            settings=self.settings,
            cluster=self.target.name,
            managed_control_plane=self.target.managed_control_plane,
            object_storage=self.settings.profile == "ha" and storage is not None,
            storage_pod_labels=dict(storage.pod_labels) if storage else {},
            releases=self.releases,
            placement=self.target.placement,
            stand_in_placement=self.target.stand_in_placement,
            api_server_port=self.target.api_server_port,
            host_network=self.target.host_network,
            host_mount_propagation=self.target.host_mount_propagation,
            kube_version=self.target.kube_version,
        )


def chart_source(chart: str, settings: ObservabilitySettings) -> tuple[str, str, str | None]:
    """(chart reference, version, HTTP repository or None) from the pin and any override.

    An `oci://` repository becomes the chart reference itself (`oci://.../<chart>`);
    an HTTP repository goes to `repository_opts.repo`. With a chart mirror (and no
    per-chart override) the reference is the unpacked chart's directory, which the
    Helm engine renders with no network; its version is the directory's.
    """
    pin = CHARTS[chart]
    override = settings.charts.get(chart)
    if override is None and settings.chart_mirror:
        return str(Path(settings.chart_mirror, f"{pin.chart}-{pin.version}")), pin.version, None
    repository = override.repository if override else pin.repository
    version = (override.version if override and override.version else None) or pin.version
    if repository.startswith("oci://"):
        return f"{repository.rstrip('/')}/{pin.chart}", version, None
    return pin.chart, version, repository


def stack_footprint(plan: Plan, nodes: int) -> Footprint:
    """Requests of every pod the stack runs, summed from the values we set.

    The cloud's storage fragments say where data goes, not how big pods are, so
    the sum reads our own values (known at preview, before any bucket exists).
    """
    workloads = [
        *kps_workloads(kps_values(plan)),
        *loki_workloads(loki_base_values(plan, "object" if plan.object_storage else "filesystem")),
        *tempo_workloads(tempo_base_values(plan)),
        *alloy_workloads(alloy_values(plan)),
    ]
    return footprint(workloads, nodes)


class ObservabilityStack(pulumi.ComponentResource):
    """Prometheus, Alertmanager, Grafana, Loki, Tempo and Alloy on one target.

    Outputs:
      endpoints: the contract GoService and AlertRules take (namespace, OTLP
        endpoint, selector labels, collector pod labels, Grafana's Service).
      namespace: where the stack runs.
      otlp_endpoint: the OTLP gRPC endpoint for the service (`OTEL_EXPORTER_OTLP_ENDPOINT`).
      grafana_admin_password: secret.
      requests: the summed CPU/memory requests of the stack (plain data).
    """

    endpoints: ObservabilityEndpoints
    namespace: str
    otlp_endpoint: str
    otlp_http_endpoint: str
    grafana_admin_password: pulumi.Output[str]
    requests: dict[str, Any]

    def __init__(
        self, name: str, args: ObservabilityStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gantry:observability:ObservabilityStack", name, None, opts)
        plan = args.plan()
        target = args.target
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=target.provider)

        namespaces = [
            self._namespace(name, "ns", plan.namespace, "restricted", k8s_opts),
            self._namespace(name, "node-ns", plan.node_exporter_namespace, "privileged", k8s_opts),
        ]
        ns_opts = pulumi.ResourceOptions.merge(
            k8s_opts, pulumi.ResourceOptions(depends_on=namespaces)
        )

        endpoints = plan.endpoints
        for policy in stack_policies(endpoints, plan.node_exporter_namespace, plan.api_server_port):
            meta = policy["metadata"]
            k8s.networking.v1.NetworkPolicy(
                f"{name}-netpol-{meta['namespace']}-{meta['name']}",
                metadata=meta,
                spec=policy["spec"],
                opts=ns_opts,
            )

        password = GeneratedPassword(
            f"{name}-grafana-admin", length=32, opts=pulumi.ResourceOptions(parent=self)
        )
        grafana_secret = k8s.core.v1.Secret(
            f"{name}-grafana-admin",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=GRAFANA_ADMIN_SECRET, namespace=plan.namespace
            ),
            type="Opaque",
            string_data={"admin-user": "admin", "admin-password": password.result},
            opts=ns_opts,
        )

        am_secret = k8s.core.v1.Secret(
            f"{name}-alertmanager-config",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=ALERTMANAGER_CONFIG_SECRET, namespace=plan.namespace
            ),
            type="Opaque",
            string_data={
                "alertmanager.yaml": _alertmanager_yaml(name, args.settings, args.receiver_secrets)
            },
            opts=ns_opts,
        )

        datasource_map = k8s.core.v1.ConfigMap(
            f"{name}-datasources",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name="gantry-datasources",
                namespace=plan.namespace,
                labels={"grafana_datasource": "1"},
            ),
            data={"gantry-datasources.yaml": yaml.safe_dump(datasources(plan), sort_keys=False)},
            opts=ns_opts,
        )
        uid = dashboard_uid(args.service)
        k8s.core.v1.ConfigMap(
            f"{name}-dashboard",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=uid, namespace=plan.namespace, labels=DASHBOARD_LABEL
            ),
            data={f"{uid}.json": dashboard_json(args.service, args.service_namespace)},
            opts=ns_opts,
        )

        kps = self._kube_prometheus_stack(
            name,
            plan,
            k8s_opts,
            pulumi.ResourceOptions.merge(
                ns_opts,
                pulumi.ResourceOptions(depends_on=[grafana_secret, am_secret, datasource_map]),
            ),
        )
        loki_vals, tempo_vals = _storage_values(plan, target)
        # The other charts ship ServiceMonitors: their CRD comes with kube-prometheus-stack.
        after_kps = pulumi.ResourceOptions.merge(ns_opts, pulumi.ResourceOptions(depends_on=[kps]))
        releases = plan.releases
        loki = self._chart(name, releases.loki, "loki", plan, values=loki_vals, opts=after_kps)
        tempo = self._chart(name, releases.tempo, "tempo", plan, values=tempo_vals, opts=after_kps)
        self._chart(
            name,
            releases.alloy,
            "alloy",
            plan,
            values=alloy_values(plan),
            opts=pulumi.ResourceOptions.merge(
                ns_opts, pulumi.ResourceOptions(depends_on=[kps, loki, tempo])
            ),
        )

        self.endpoints = endpoints
        self.namespace = endpoints.namespace
        self.otlp_endpoint = endpoints.otlp_endpoint
        self.otlp_http_endpoint = endpoints.otlp_http_endpoint
        self.grafana_admin_password = pulumi.Output.secret(password.result)
        self.requests = stack_footprint(plan, args.nodes).as_output()
        self.register_outputs(
            {
                "namespace": self.namespace,
                "otlp_endpoint": self.otlp_endpoint,
                "otlp_http_endpoint": self.otlp_http_endpoint,
                "grafana_url": f"http://{endpoints.grafana_service}.{plan.namespace}.svc",
                "grafana_admin_password": self.grafana_admin_password,
                "requests": self.requests,
                "profile": plan.profile,
            }
        )

    def _namespace(
        self, name: str, suffix: str, namespace: str, level: str, opts: pulumi.ResourceOptions
    ) -> k8s.core.v1.Namespace:
        return k8s.core.v1.Namespace(
            f"{name}-{suffix}",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=namespace,
                labels={
                    "pod-security.kubernetes.io/enforce": level,
                    "pod-security.kubernetes.io/enforce-version": "latest",
                    "pod-security.kubernetes.io/warn": level,
                    "pod-security.kubernetes.io/audit": level,
                },
            ),
            opts=opts,
        )

    def _kube_prometheus_stack(
        self,
        name: str,
        plan: Plan,
        crd_opts: pulumi.ResourceOptions,
        opts: pulumi.ResourceOptions,
    ) -> pulumi.Resource:
        """kube-prometheus-stack as two releases: its CRDs, established first (the operator
        looks for them once, at start), then everything else, which depends on them."""
        kps_name = f"{name}-{plan.releases.kps}"

        def release(
            values: dict[str, Any], release_opts: pulumi.ResourceOptions, part: str | None = None
        ) -> pulumi.Resource:
            return self._chart(
                name, plan.releases.kps, "kube-prometheus-stack", plan, values=values,
                opts=release_opts, part=part,
            )  # fmt: skip

        # Stacks from before the split hold the CRDs under the main release.
        old_parent = pulumi.create_urn(kps_name, "kubernetes:helm.sh/v4:Chart", self)
        moved = pulumi.ResourceOptions(transforms=[moved_from(kps_name, old_parent)])
        crds = release(kps_crd_values(plan), pulumi.ResourceOptions.merge(crd_opts, moved), "crds")
        after_crds = pulumi.ResourceOptions(depends_on=[crds])
        return release(kps_values(plan), pulumi.ResourceOptions.merge(opts, after_crds))

    def _chart(
        self,
        name: str,
        release: str,
        chart: str,
        plan: Plan,
        *,
        values: pulumi.Input[Mapping[str, Any]],
        opts: pulumi.ResourceOptions,
        part: str | None = None,
    ) -> pulumi.Resource:
        """One chart, named `<name>-<release>` (`<name>-<release>-<part>` for a second release
        of the same chart), in the stack's namespace.

        With a cluster: helm.v4.Chart, which asks the cluster for its version. Without one
        (render mode), helm.v4.Chart cannot be told a version and Helm assumes v1.20, which
        kube-prometheus-stack refuses: helm.v3.Chart renders for `plan.kube_version` instead.
        """
        reference, version, repository = chart_source(chart, plan.settings)
        local = Path(reference).is_absolute() or reference.startswith(".")
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(transforms=[server_defaults])
        )
        if plan.kube_version is not None:
            common: dict[str, Any] = {
                "namespace": plan.namespace,
                "values": values,
                "kube_version": plan.kube_version,
            }
            config: k8s.helm.v3.ChartOpts | k8s.helm.v3.LocalChartOpts = (
                k8s.helm.v3.LocalChartOpts(path=reference, **common)
                if local
                else k8s.helm.v3.ChartOpts(
                    chart=reference,
                    version=version,
                    fetch_opts=k8s.helm.v3.FetchOpts(repo=repository) if repository else None,
                    **common,
                )
            )
            # helm.v3.Chart is named after its release; a prefix tells two releases apart.
            config.resource_prefix = part
            return k8s.helm.v3.Chart(release, config, opts=opts)
        return k8s.helm.v4.Chart(
            f"{name}-{release}-{part}" if part else f"{name}-{release}",
            name=release,
            namespace=plan.namespace,
            chart=reference,
            version=None if local else version,
            repository_opts=k8s.helm.v4.RepositoryOptsArgs(repo=repository) if repository else None,
            values=values,
            opts=opts,
        )


def _alertmanager_yaml(
    name: str, settings: ObservabilitySettings, secrets: Mapping[str, pulumi.Output[str]]
) -> pulumi.Output[str]:
    """alertmanager.yaml as a secret Output: it embeds the receivers' URLs and keys."""
    receivers = list(settings.receivers)
    keys = sorted({r.secret for r in receivers})
    missing = [k for k in keys if k not in secrets]
    if missing:
        msg = f"{name}: no secret Output for receiver keys {', '.join(missing)}"
        raise ValueError(msg)
    rendered = pulumi.Output.all(*[secrets[k] for k in keys]).apply(
        lambda values: alertmanager.render(receivers, dict(zip(keys, values, strict=True)))
    )
    return pulumi.Output.secret(rendered)


def _storage_values(
    plan: Plan, target: StackTarget
) -> tuple[pulumi.Input[Mapping[str, Any]], pulumi.Input[Mapping[str, Any]]]:
    """Loki and Tempo values; on object storage, merged with the cloud's fragments."""
    storage = target.storage
    if not plan.object_storage or storage is None:
        return loki_values(plan), tempo_values(plan)
    loki = pulumi.Output.all(storage.loki_values, storage.loki_service_account_annotations).apply(
        lambda v: loki_values(plan, v[0], v[1])
    )
    tempo = pulumi.Output.all(
        storage.tempo_values, storage.tempo_service_account_annotations
    ).apply(lambda v: tempo_values(plan, v[0], v[1]))
    return loki, tempo
