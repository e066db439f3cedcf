"""Which policy-pack settings a stack runs with: the pack config is generated from these."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Model


class PolicyExemption(Model):
    """One reviewed exception to the pack: the rules it lifts, what it covers, and why."""

    rules: list[str] = Field(min_length=1, description="rule ids or policy names, or *")
    reason: str = Field(min_length=3, description="why it is allowed (audit trail)")
    namespace: str | None = None
    """Only objects in this namespace."""
    type: str | None = None
    """Only this Pulumi type token or Kubernetes kind."""
    name: str | None = None
    """Only the object of this (Pulumi or Kubernetes) name."""


class PublicService(Model):
    """A Service allowed to be LoadBalancer/NodePort (K21)."""

    name: str = Field(min_length=1)
    reason: str = Field(min_length=3, description="why it is exposed (audit trail)")
    namespace: str | None = None


class PolicyConfig(Model):
    """Where the stack's pack config is written, and the policy decisions it carries.

    The rules live in `policies/`. `python -m gantry_policies.config --write`
    (`make policy-config`) generates the file named by `pack_config` from this
    stack's config: registries, repositories and the Pod Security version come
    from the targets, levels from `strictness`, exceptions from here.
    """

    pack_config: str = Field(description="path of the pack config JSON, relative to the repo")
    strictness: Literal["standard", "strict"] = Field(
        default="standard",
        description="strict: the rules an outage or a breach would trace back to block "
        "(gantry_policies.stack_settings.STRICT)",
    )
    unknown_values: Literal["defer", "deny"] = Field(
        default="defer",
        description="defer: re-check values unknown in preview on `up`; deny: fail preview",
    )
    exemptions: list[PolicyExemption] = Field(default_factory=list)
    """Reviewed exceptions, each with a reason."""
    public_services: list[PublicService] = Field(default_factory=list)
    """Services allowed outside the cluster, each with a reason."""
