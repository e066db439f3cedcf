"""gantry: one image, then per target the service, its observability stack and alerts.

This file only wires. It reads the stack config once (invalid config stops
here, before any resource exists), builds each target, builds the image once
for all of them, and deploys the same digest everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pulumi
from pulumi.runtime import config as engine_config

from components.admission import SignatureVerification, SignatureVerificationArgs
from components.alert_rules import AlertRules, AlertRulesArgs
from components.alerts import AlertScope
from components.config import StackConfig, decode_pulumi_config, parse_stack_config
from components.go_image import GoImage, GoImageArgs
from components.go_service.component import GoService, GoServiceArgs
from components.observability.component import ObservabilityStack, ObservabilityStackArgs
from components.targets.factory import build_targets


def load_config() -> tuple[StackConfig, dict[str, pulumi.Output[str]]]:
    """The typed stack config, and every secret it names as a secret Output."""
    entries = {**engine_config.get_config_env(), **engine_config.CONFIG.get()}
    secret_keys = {
        key.split(":", 1)[1]
        for key in entries
        if key.startswith("gantry:") and engine_config.is_config_secret(key)
    }
    stack = pulumi.get_stack()
    config = parse_stack_config(decode_pulumi_config(entries), stack, secret_keys)
    gantry = pulumi.Config("gantry")
    return config, {key: gantry.require_secret(key) for key in config.secret_keys()}


def ko_base_image() -> str | None:
    """The locally assembled base (scripts/base-image.sh) for the ko builder."""
    if ref := os.environ.get("GANTRY_KO_BASE_IMAGE"):
        return ref
    cached = Path(os.environ.get("GANTRY_CACHE", Path.home() / ".cache/gantry"), "base-image.ref")
    return cached.read_text().strip() if cached.is_file() else None


config, secrets = load_config()
targets = build_targets(config, secrets)

image = GoImage(
    config.image.repository,
    GoImageArgs(
        registries={target.name: target.registry for target in targets},
        version=config.image.version,
        context=config.image.context,
        dockerfile=config.image.dockerfile,
        platforms=list(config.image.platforms),
        builder=config.image.builder,
        base_image=ko_base_image() if config.image.builder == "ko" else None,
    ),
)

signing = config.image.signature_verification
first_party = [target.registry.repository for target in targets]

for target in targets:
    opts = pulumi.ResourceOptions(provider=target.provider)
    # Installed before the service, whose namespace opts in: its first pod is checked too.
    verification = (
        SignatureVerification(
            f"{target.name}-signatures",
            SignatureVerificationArgs.for_target(signing, target, first_party),
            opts,
        )
        if signing.enabled
        else None
    )
    observability = None
    if config.observability.enabled:
        observability = ObservabilityStack(
            f"{target.name}-observability",
            ObservabilityStackArgs(
                target=target,
                config=config.observability,
                service=config.service.name,
                service_namespace=config.service.namespace,
                receiver_secrets={
                    r.secret: secrets[r.secret] for r in config.observability.receivers
                },
            ),
            opts,
        )
        AlertRules(
            f"{target.name}-alerts",
            AlertRulesArgs(
                namespace=observability.namespace,
                scope=AlertScope(
                    service=config.service.name,
                    namespace=config.service.namespace,
                    observability_namespace=config.observability.namespace,
                ),
                slos=list(config.slos),
            ),
            pulumi.ResourceOptions(provider=target.provider, depends_on=[observability]),
        )
    service = GoService(
        f"{target.name}-{config.service.name}",
        GoServiceArgs.for_target(
            config,
            target,
            image=image.refs[target.name],
            environment=config.profile,
            monitoring_depends_on=[observability] if observability else [],
        ),
        pulumi.ResourceOptions(
            provider=target.provider, depends_on=[verification] if verification else []
        ),
    )
    pulumi.export(
        target.name,
        {
            "cluster": target.cluster_name,
            "region": target.region,
            "image": image.refs[target.name],
            "namespace": service.namespace,
            "service_url": service.cluster_url,
            "public_url": service.public_url,
            "port_forward": pulumi.Output.concat(
                "kubectl -n ",
                service.namespace,
                " port-forward svc/",
                service.service_name,
                f" {config.service.port}:{config.service.port}",
            ),
            "grafana": (
                f"kubectl -n {config.observability.namespace} port-forward svc/kps-grafana 3000:80"
                if observability
                else None
            ),
            "observability_requests": observability.requests if observability else None,
            "rendered_manifests": target.render_dir,
        },
    )
    pulumi.export(f"{target.name}-kubeconfig", target.kubeconfig)

pulumi.export("image_revision", image.revision)
