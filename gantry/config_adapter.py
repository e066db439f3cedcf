"""The one place that knows both the stack config and the components' args.

Components take small args classes of their own; this module maps the parsed
`StackConfig` onto them. A config key that moves, or a component that gains
an argument, is changed here and nowhere else: no component module imports
`StackConfig` or builds its args from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi

from components.admission.component import (
    DEFAULT_NAMESPACE as SIGNATURE_NAMESPACE,
)
from components.admission.component import (
    SignatureVerificationArgs,
    webhook_service_account,
)
from components.alert_rules import AlertRulesArgs
from components.alerts import AlertScope
from components.alerts.settings import Slo
from components.go_image import GoImageArgs
from components.go_service.component import GoServiceArgs
from components.go_service.namespace import service_account_name
from components.go_service.spec import (
    ServiceAutoscaling,
    ServiceIngress,
    ServiceReplicas,
    ServiceResources,
    ServiceSettings,
    ServiceShutdown,
    ServiceSpec,
)
from components.observability.component import ObservabilityStackArgs
from components.observability.endpoints import ObservabilityEndpoints, Releases, endpoints_for
from components.observability.settings import (
    ChartSource,
    ObservabilitySettings,
    Receiver,
    Retention,
    Storage,
)
from components.placement import Placement
from components.targets.base import ClusterTarget, RegistryEndpoint
from components.targets.context import TargetContext
from components.targets.settings import (
    AwsSettings,
    AzureSettings,
    ExistingRegistry,
    ExistingSettings,
    GcpSettings,
    LocalSettings,
    NodePool,
    TargetSettings,
)
from gantry.config.observability import ObservabilityConfig
from gantry.config.observability import Receiver as ReceiverConfig
from gantry.config.service import ServiceConfig
from gantry.config.slo import SloConfig
from gantry.config.stack import StackConfig
from gantry.config.targets import (
    AwsTarget,
    AzureTarget,
    ExistingTarget,
    GcpTarget,
    LocalTarget,
    NodePoolConfig,
    TargetConfig,
)
from gantry.deployment import DeploymentArgs

RELEASES = Releases()
"""The observability charts' release names, shared by the stack and the targets
(whose storage identities trust Loki's and Tempo's service accounts)."""


def _identity(
    target: ClusterTarget, namespace: str, service_account: str
) -> pulumi.Input[Mapping[str, pulumi.Input[str]]] | None:
    """The account's identity annotations; None on a target without workload identity."""
    if target.workload_identity is None:
        return None
    return target.workload_identity(namespace, service_account)


def target_context(config: StackConfig, secrets: Mapping[str, pulumi.Output[str]]) -> TargetContext:
    """The stack-wide facts targets need: service name, ha storage, observability accounts."""
    return TargetContext(
        service=config.service.name,
        object_storage=config.observability.enabled and config.observability.profile == "ha",
        observability_namespace=config.observability.namespace,
        loki_service_account=RELEASES.loki,
        tempo_service_account=RELEASES.tempo,
        secrets=dict(secrets),
    )


def _node_pools(pools: Sequence[NodePoolConfig]) -> tuple[NodePool, ...]:
    return tuple(
        NodePool(
            name=pool.name,
            arch=pool.arch,
            instance_type=pool.instance_type,
            min_size=pool.min_size,
            max_size=pool.max_size,
            desired_size=pool.desired_size,
        )
        for pool in pools
    )


def target_settings(target: TargetConfig) -> TargetSettings:
    """One `gantry:targets` entry as its kind's settings; the factory picks the module."""
    if isinstance(target, LocalTarget):
        return LocalSettings(
            name=target.name,
            mode=target.mode,
            kubeconfig=target.kubeconfig,
            kubeconfig_context=target.kubeconfig_context,
            render_dir=target.render_dir,
            registry=target.registry,
            nodes=target.nodes,
        )
    if isinstance(target, ExistingTarget):
        registry = target.registry
        return ExistingSettings(
            name=target.name,
            kubeconfig_secret=target.kubeconfig_secret,
            registry=ExistingRegistry(
                address=registry.address,
                username=registry.username,
                password_secret=registry.password_secret,
                insecure=registry.insecure,
            ),
            context=target.context,
            region=target.region,
            managed_control_plane=target.managed_control_plane,
        )
    if isinstance(target, AwsTarget):
        return AwsSettings(
            name=target.name,
            region=target.region,
            node_pools=_node_pools(target.node_pools),
            kubernetes_version=target.kubernetes_version,
            vpc_cidr=target.vpc_cidr,
            api_public_cidrs=tuple(target.api_public_cidrs),
            keep_releases=target.keep_releases,
            untagged_image_days=target.untagged_image_days,
        )
    if isinstance(target, GcpTarget):
        return GcpSettings(
            name=target.name,
            project=target.project,
            region=target.region,
            node_pools=_node_pools(target.node_pools),
            release_channel=target.release_channel,
            master_authorized_cidrs=tuple(target.master_authorized_cidrs),
            keep_releases=target.keep_releases,
            untagged_image_days=target.untagged_image_days,
        )
    return _azure_settings(target)


def _azure_settings(target: AzureTarget) -> AzureSettings:
    return AzureSettings(
        name=target.name,
        location=target.location,
        admin_group_object_ids=tuple(target.admin_group_object_ids),
        node_pools=_node_pools(target.node_pools),
        kubernetes_version=target.kubernetes_version,
        api_authorized_cidrs=tuple(target.api_authorized_cidrs),
        untagged_image_days=target.untagged_image_days,
    )


def image_args(
    config: StackConfig, registries: Mapping[str, RegistryEndpoint], base_image: str | None
) -> GoImageArgs:
    """GoImage's args from `gantry:image`; `base_image` is ko's (None for buildx)."""
    image = config.image
    return GoImageArgs(
        registries=dict(registries),
        version=image.version,
        context=image.context,
        dockerfile=image.dockerfile,
        platforms=list(image.platforms),
        builder=image.builder,
        base_image=base_image if image.builder == "ko" else None,
    )


def receiver(receiver: ReceiverConfig) -> Receiver:
    """One Alertmanager receiver; `secret` stays the config key's name."""
    return Receiver(
        name=receiver.name,
        type=receiver.type,
        secret=receiver.secret,
        severities=tuple(receiver.severities),
        channel=receiver.channel,
    )


def observability_settings(observability: ObservabilityConfig) -> ObservabilitySettings:
    """ObservabilityStack's settings from `gantry:observability` (`enabled` is the wiring's)."""
    retention, storage = observability.retention, observability.storage
    return ObservabilitySettings(
        profile=observability.profile,
        namespace=observability.namespace,
        retention=Retention(
            metrics=retention.metrics, logs=retention.logs, traces=retention.traces
        ),
        storage=Storage(
            persistent=storage.persistent,
            prometheus=storage.prometheus,
            alertmanager=storage.alertmanager,
            loki=storage.loki,
            tempo=storage.tempo,
            grafana=storage.grafana,
            storage_class=storage.storage_class,
        ),
        charts={
            chart: ChartSource(repository=source.repository, version=source.version)
            for chart, source in observability.charts.items()
        },
        chart_mirror=observability.chart_mirror,
        receivers=tuple(receiver(r) for r in observability.receivers),
        grafana_host=observability.grafana_host,
    )


def observability_args(
    config: StackConfig, target: ClusterTarget, secrets: Mapping[str, pulumi.Output[str]]
) -> ObservabilityStackArgs:
    """ObservabilityStack's args; of `secrets` only the receivers' keys are passed on."""
    keys = {r.secret for r in config.observability.receivers}
    return ObservabilityStackArgs(
        target=target,
        settings=observability_settings(config.observability),
        service=config.service.name,
        service_namespace=config.service.namespace,
        receiver_secrets={k: v for k, v in secrets.items() if k in keys},
        releases=RELEASES,
    )


def planned_endpoints(config: StackConfig) -> ObservabilityEndpoints | None:
    """What ObservabilityStack will hand over, known without an engine (for the renderer);
    None when the stack has no observability."""
    if not config.observability.enabled:
        return None
    return endpoints_for(config.observability.namespace, RELEASES)


def alert_rules_args(config: StackConfig, endpoints: ObservabilityEndpoints) -> AlertRulesArgs:
    """AlertRules' args: the SLOs, and where the rules look and live (from the stack's contract)."""
    return AlertRulesArgs(
        observability=endpoints,
        scope=AlertScope(
            service=config.service.name,
            namespace=config.service.namespace,
            observability_namespace=endpoints.namespace,
        ),
        slos=slos(config),
    )


def slos(config: StackConfig) -> list[Slo]:
    """The SLOs rule generation reads, from `gantry:slos` (or the profile's defaults)."""
    return [slo(s) for s in config.slos]


def slo(config: SloConfig) -> Slo:
    """One SLO's args from `gantry:slos[i]`."""
    return Slo(
        name=config.name,
        kind=config.kind,
        objective=config.objective,
        latency_threshold_seconds=config.latency_threshold_seconds,
        window=config.window,
        description=config.description,
    )


def service_settings(service: ServiceConfig) -> ServiceSettings:
    """GoService's workload settings from `gantry:service` (profile defaults merged)."""
    resources, replicas = service.resources, service.replicas
    autoscaling, ingress, shutdown = service.autoscaling, service.ingress, service.shutdown
    return ServiceSettings(
        name=service.name,
        namespace=service.namespace,
        port=service.port,
        replicas=ServiceReplicas(min=replicas.min, max=replicas.max),
        resources=ServiceResources(
            cpu_request=resources.cpu_request,
            memory_request=resources.memory_request,
            cpu_limit=resources.cpu_limit,
            memory_limit=resources.memory_limit,
        ),
        autoscaling=ServiceAutoscaling(
            cpu_utilization=autoscaling.cpu_utilization,
            requests_per_second=autoscaling.requests_per_second,
            scale_down_window_seconds=autoscaling.scale_down_window_seconds,
        ),
        ingress=ServiceIngress(
            enabled=ingress.enabled,
            host=ingress.host,
            class_name=ingress.class_name,
            cluster_issuer=ingress.cluster_issuer,
            controller_namespace=ingress.controller_namespace,
        ),
        shutdown=ServiceShutdown(
            drain_delay_seconds=shutdown.drain_delay_seconds,
            timeout_seconds=shutdown.timeout_seconds,
        ),
        log_level=service.log_level,
        trace_sample_ratio=service.trace_sample_ratio,
        needs_kubernetes_api=service.needs_kubernetes_api,
        zone_spread=service.zone_spread,
    )


def service_spec(
    config: StackConfig,
    *,
    image: pulumi.Input[str],
    environment: str,
    observability: ObservabilityEndpoints | None,
    zones: tuple[str, ...] = (),
    service_account_annotations: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
    pod_labels: Mapping[str, str] | None = None,
    placement: Placement | None = None,
) -> ServiceSpec:
    """The manifest builders' spec; `environment` is the stack's name."""
    return ServiceSpec(
        service=service_settings(config.service),
        image=image,
        app_version=config.image.version,
        environment=environment,
        observability=observability,
        zones=zones,
        service_account_annotations=service_account_annotations,
        pod_labels=dict(pod_labels or {}),
        signature_verification=config.image.signature_verification.enabled,
        placement=placement or Placement(),
    )


def go_service_args(
    config: StackConfig,
    target: ClusterTarget,
    *,
    image: pulumi.Input[str],
    environment: str,
    observability: ObservabilityEndpoints | None,
    monitoring_depends_on: Sequence[pulumi.Resource] = (),
) -> GoServiceArgs:
    """GoService's args on one target: identity annotations, pod labels and zones from it."""
    annotations = _identity(
        target, config.service.namespace, service_account_name(config.service.name)
    )
    spec = service_spec(
        config,
        image=image,
        environment=environment,
        observability=observability,
        zones=target.zones,
        service_account_annotations=annotations,
        pod_labels=target.service_account_pod_labels,
        placement=target.placement,
    )
    return GoServiceArgs(spec=spec, monitoring_depends_on=tuple(monitoring_depends_on))


def signature_args(
    config: StackConfig, target: ClusterTarget, repositories: Sequence[pulumi.Input[str]]
) -> SignatureVerificationArgs:
    """SignatureVerification's args from `gantry:image.signature_verification` for one target."""
    signing = config.image.signature_verification
    annotations = _identity(target, SIGNATURE_NAMESPACE, webhook_service_account())
    return SignatureVerificationArgs(
        repositories=list(repositories),
        subject_regexp=signing.subject_regexp,
        issuer=signing.issuer,
        mode=signing.mode,
        service_account_annotations=annotations,
    )


def deployment_args(
    config: StackConfig,
    target: ClusterTarget,
    *,
    image: pulumi.Input[str],
    environment: str,
    first_party_repositories: Sequence[pulumi.Input[str]],
    secrets: Mapping[str, pulumi.Output[str]],
) -> DeploymentArgs:
    """Every component's args on one target; `environment` is the stack's name, `image`
    the image by digest in the target's registry."""

    def service(
        endpoints: ObservabilityEndpoints | None, depends_on: Sequence[pulumi.Resource]
    ) -> GoServiceArgs:
        return go_service_args(
            config,
            target,
            image=image,
            environment=environment,
            observability=endpoints,
            monitoring_depends_on=depends_on,
        )

    def alerts(endpoints: ObservabilityEndpoints) -> AlertRulesArgs:
        return alert_rules_args(config, endpoints)

    return DeploymentArgs(
        service_name=config.service.name,
        port=config.service.port,
        image=image,
        go_service=service,
        alert_rules=alerts,
        observability=(
            observability_args(config, target, secrets) if config.observability.enabled else None
        ),
        signature_verification=(
            signature_args(config, target, first_party_repositories)
            if config.image.signature_verification.enabled
            else None
        ),
    )
