"""Build every target, importing each cloud's module only when a target uses it.

A stack with only `local` or `existing` targets never imports pulumi_aws,
pulumi_gcp or pulumi_azure_native: they are large, and a laptop or CI run
should not need them. Each target kind has a settings class
(`components/targets/settings.py`, SDK-free) and a module exposing
`build(settings, context, opts) -> ClusterTarget`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Protocol, cast

import pulumi

from .base import ClusterTarget
from .context import TargetContext
from .settings import (
    AwsSettings,
    AzureSettings,
    ExistingSettings,
    GcpSettings,
    LocalSettings,
    TargetSettings,
)

MODULES: Mapping[type[TargetSettings], str] = {
    LocalSettings: "components.targets.local",
    ExistingSettings: "components.targets.existing",
    AwsSettings: "components.targets.aws",
    GcpSettings: "components.targets.gcp",
    AzureSettings: "components.targets.azure",
}
"""Settings class -> module with a `build` function; a new cloud is one line."""


class _Build(Protocol):
    def __call__(
        self,
        settings: TargetSettings,
        context: TargetContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> ClusterTarget: ...


def build_target(
    settings: TargetSettings, context: TargetContext, opts: pulumi.ResourceOptions | None = None
) -> ClusterTarget:
    """Import the target's cloud module now (and only now) and build it."""
    module = importlib.import_module(MODULES[type(settings)])
    build = cast(_Build, module.build)
    return build(settings, context, opts)


def build_targets(
    targets: Sequence[TargetSettings],
    context: TargetContext,
    opts: pulumi.ResourceOptions | None = None,
) -> list[ClusterTarget]:
    """One ClusterTarget per target, in the given (config) order."""
    return [build_target(target, context, opts) for target in targets]
