"""Which policy-pack settings a stack runs with."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Model


class PolicyConfig(Model):
    """Points the stack at its policy-pack config and says how strict it is.

    The rules themselves live in `policies/`; the engine receives the pack
    config file named here through `--policy-pack-config`.
    """

    pack_config: str = Field(description="path of the pack config JSON, relative to the repo")
    strictness: Literal["standard", "strict"] = "standard"
