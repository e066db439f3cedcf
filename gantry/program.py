"""The gantry program as a function: one entry point for both ways of running it.

`__main__.py` calls `run()` when the normal Pulumi install starts the program
through its Python language host; the Automation API driver
(`gantry.driver`) passes `run` as an inline program, so the engine never
needs a language host binary. Both register the same resources.
"""

from __future__ import annotations

import os
from pathlib import Path

import pulumi

from components.go_image import GoImage
from components.go_image.metadata import checkout_revision
from components.targets.factory import build_targets
from gantry import pulumi_internals as sdk
from gantry.config import StackConfig, decode_pulumi_config, parse_stack_config
from gantry.config_adapter import (
    deployment_args,
    image_args,
    target_context,
    target_settings,
)
from gantry.deployment import deploy_to_target


def load_config() -> tuple[StackConfig, dict[str, pulumi.Output[str]]]:
    """The typed stack config, and every secret it names as a secret Output."""
    entries = sdk.config_entries()
    secret_keys = {
        key.split(":", 1)[1]
        for key in entries
        if key.startswith("gantry:") and sdk.is_secret_config(key)
    }
    stack = pulumi.get_stack()
    config = parse_stack_config(decode_pulumi_config(entries), stack, secret_keys)
    config = with_chart_mirror(config, os.environ.get("GANTRY_CHART_MIRROR"))
    gantry = pulumi.Config("gantry")
    return config, {key: gantry.require_secret(key) for key in config.secret_keys()}


def with_chart_mirror(config: StackConfig, mirror: str | None) -> StackConfig:
    """The stack's chart mirror, or the machine's (`GANTRY_CHART_MIRROR`) when it names none.

    An air-gapped machine keeps the charts in a local directory; the stack file
    stays the same everywhere. The path is made absolute so that the engine's
    Helm renders it whatever its working directory.
    """
    observability = config.observability
    if not mirror or observability.chart_mirror:
        return config
    absolute = str(Path(mirror).resolve())
    return config.model_copy(
        update={"observability": observability.model_copy(update={"chart_mirror": absolute})}
    )


def ko_base_image() -> str | None:
    """The locally assembled base (scripts/base-image.sh) for the ko builder."""
    if ref := os.environ.get("GANTRY_KO_BASE_IMAGE"):
        return ref
    cached = Path(os.environ.get("GANTRY_CACHE", Path.home() / ".cache/gantry"), "base-image.ref")
    return cached.read_text().strip() if cached.is_file() else None


def run() -> None:
    """Config once, the targets, one image for all of them, then per target the rest."""
    config, secrets = load_config()
    targets = build_targets(
        [target_settings(t) for t in config.targets], target_context(config, secrets)
    )

    image = GoImage(
        config.image.repository,
        image_args(
            config,
            {target.name: target.registry for target in targets},
            base_image=ko_base_image() if config.image.builder == "ko" else None,
        ),
    )

    first_party = [target.registry.repository for target in targets]
    for target in targets:
        args = deployment_args(
            config,
            target,
            image=image.refs[target.name],
            environment=pulumi.get_stack(),
            first_party_repositories=first_party,
            secrets=secrets,
        )
        outputs = deploy_to_target(target, args)
        pulumi.export(target.name, outputs)
        pulumi.export(f"{target.name}-kubeconfig", target.kubeconfig)

    pulumi.export("image_revision", image.revision)
    # The commit this program ran from; CI checks it before scanning what was deployed.
    # The image's own revision only moves when an input of the image does.
    pulumi.export("source_revision", checkout_revision(Path(config.image.context)))
