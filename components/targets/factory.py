"""Build every configured target, importing each cloud's module only when used.

A stack with only `local` or `existing` targets never imports pulumi_aws,
pulumi_gcp or pulumi_azure_native: they are large, and a laptop or CI run
should not need them. Each target module exposes
`build(config, context, opts) -> ClusterTarget`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Protocol, cast

import pulumi

from components.config.targets import TargetConfig

from .base import ClusterTarget
from .context import TargetContext

MODULES: Mapping[str, str] = {
    "local": "components.targets.local",
    "existing": "components.targets.existing",
    "aws": "components.targets.aws",
    "gcp": "components.targets.gcp",
    "azure": "components.targets.azure",
}
"""cloud (the config discriminator) -> module with a `build` function; a new cloud is one line."""


class _Build(Protocol):
    def __call__(
        self,
        config: TargetConfig,
        context: TargetContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> ClusterTarget: ...


def build_target(
    target: TargetConfig, context: TargetContext, opts: pulumi.ResourceOptions | None = None
) -> ClusterTarget:
    """Import the target's cloud module now (and only now) and build it."""
    module = importlib.import_module(MODULES[target.cloud])
    build = cast(_Build, module.build)
    return build(target, context, opts)


def build_targets(
    targets: Sequence[TargetConfig],
    context: TargetContext,
    opts: pulumi.ResourceOptions | None = None,
) -> list[ClusterTarget]:
    """One ClusterTarget per configured target, in config order."""
    return [build_target(target, context, opts) for target in targets]
