"""The pack behind pulumi-policy's own gRPC servicer, driven in-process like the engine does.

``Engine`` configures the servicer the way the CLI does with
``--policy-pack-config`` (every policy gets its level: the file's or the
policy's default) and sends ``Analyze``/``AnalyzeStack`` requests whose
properties travel as protobuf Structs. So the tests see what a user sees:
diagnostics with their enforcement level, not-applicable reasons, and the
"can't run policy ... during preview" note for values preview cannot know.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gantry_policies
from gantry_policies.sdk_internals import PolicyAnalyzerServicer
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel

_LEVELS = {
    "advisory": proto.ADVISORY,
    "mandatory": proto.MANDATORY,
    "remediate": proto.REMEDIATE,
    "disabled": proto.DISABLED,
}
_NAMES = {v: k for k, v in _LEVELS.items()}


@dataclass(frozen=True)
class Diagnostic:
    """One reported violation: policy, message (without the description line), level, urn."""

    policy: str
    message: str
    level: str
    urn: str


@dataclass
class Result:
    """What one Analyze call answered."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    not_applicable: dict[str, str] = field(default_factory=dict)

    def of(self, policy: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.policy == policy]

    def messages(self, policy: str) -> list[str]:
        return [d.message for d in self.of(policy)]


def _struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(props))
    return struct


def urn_of(resource_type: str, name: str) -> str:
    return f"urn:pulumi:test::gantry::{resource_type}::{name}"


class Engine:
    """One policy-pack process, configured like ``pulumi preview --policy-pack-config``."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.policies = {p.name: p for p in gantry_policies.POLICIES}
        self._servicer = PolicyAnalyzerServicer(
            "gantry",
            "0.0.1",
            gantry_policies.POLICIES,
            EnforcementLevel.ADVISORY,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        )
        self.configure(config or {})

    def configure(self, config: Mapping[str, Any]) -> None:
        """Send ``config`` (the pack-config file's JSON) the way the CLI does."""
        request = proto.ConfigureAnalyzerRequest()
        for name, policy in self.policies.items():
            entry = config.get(name, {})
            level = policy.enforcement_level.value
            properties = {}
            if isinstance(entry, str):
                level = entry
            else:
                level = entry.get("enforcementLevel", level)
                properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            if isinstance(config.get("all"), str):
                level = config["all"]
            request.policyConfig[name].CopyFrom(
                proto.PolicyConfig(enforcementLevel=_LEVELS[level], properties=_struct(properties))
            )
        self._servicer.Configure(request, None)

    @staticmethod
    def _answer(response: Any) -> Result:
        result = Result()
        for d in response.diagnostics:
            message = d.message.split("\n", 1)[1] if "\n" in d.message else d.message
            result.diagnostics.append(
                Diagnostic(d.policyName, message, _NAMES[d.enforcementLevel], d.urn)
            )
        for n in response.not_applicable:
            result.not_applicable[n.policy_name] = n.reason
        return result

    def analyze(self, resource_type: str, props: Mapping[str, Any], name: str = "res") -> Result:
        request = proto.AnalyzeRequest(
            type=resource_type,
            properties=_struct(props),
            urn=urn_of(resource_type, name),
            name=name,
        )
        return self._answer(self._servicer.Analyze(request, None))

    def analyze_stack(
        self,
        resources: Sequence[tuple[str, str, Mapping[str, Any]]],
        deps: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    ) -> Result:
        """``resources`` as (type, name, props); ``deps`` name -> property -> names it uses."""
        urns = {name: urn_of(rtype, name) for rtype, name, _ in resources}
        request = proto.AnalyzeStackRequest()
        for rtype, name, props in resources:
            item = request.resources.add(
                type=rtype, properties=_struct(props), urn=urns[name], name=name
            )
            for prop, names in (deps or {}).get(name, {}).items():
                item.propertyDependencies[prop].urns.extend(urns[n] for n in names)
        return self._answer(self._servicer.AnalyzeStack(request, None))
