"""The service's objects pass every rule of gantry's policy pack.

Every resource and stack policy of `gantry_policies.POLICIES` runs over the
objects the component registers under mocks, for dev and prod. Mandatory
rules must report nothing; the advisory findings are exactly the deliberate
ones, each with its reason below.

Props are passed as plain dicts. The engine wraps them in pulumi_policy's
unknown-checking proxy, which is not a `dict` subclass; a rule that tests
`isinstance(x, dict)` on them misreads them (reported for K20's PDB match).
"""

from __future__ import annotations

import copy
from typing import Any

import gantry_policies
import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)

from tests.harness import unwrap

from .test_component import _deploy

CONFIG = {"allowedRegistries": ["registry.example.com"]}

EXPECTED_ADVISORIES = {
    # No CPU limit on purpose: CFS throttling costs tail latency (docs/go-service.md).
    "dev": {"recommend-cpu-limit", "require-replicas-and-disruption-budget"},
    "prod": {"recommend-cpu-limit"},
}
"""dev runs one replica by profile (1-3 with the HPA), which K20 flags as advisory."""


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], False, [], PolicyCustomTimeouts(0, 0, 0), [])


def _findings(stack: str) -> list[tuple[str, EnforcementLevel, str]]:
    rec = _deploy(stack, zones=("a", "b", "c"))
    resources = list(rec.kubernetes_objects())
    assert resources
    found: list[tuple[str, EnforcementLevel, str]] = []
    for policy in gantry_policies.POLICIES:

        def report(message: str, urn: str | None = None, policy: Any = policy) -> None:
            found.append((policy.name, policy.enforcement_level, message))

        if isinstance(policy, ResourceValidationPolicy):
            for r in resources:
                props = copy.deepcopy(unwrap(r.inputs))
                args = ResourceValidationArgs(
                    r.type, props, r.urn, r.name, _opts(), None, dict(CONFIG)
                )
                policy.validate(args, report)
        else:
            stack_resources = [
                PolicyResource(
                    r.type,
                    copy.deepcopy(unwrap(r.inputs)),
                    r.urn,
                    r.name,
                    _opts(),
                    None,
                    None,
                    [],
                    {},
                )
                for r in resources
            ]
            policy.validate(StackValidationArgs(stack_resources, dict(CONFIG)), report)
    return found


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_mandatory_rule_reports_anything(stack: str) -> None:
    mandatory = [f for f in _findings(stack) if f[1] == EnforcementLevel.MANDATORY]
    assert mandatory == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_advisories_are_exactly_the_deliberate_ones(stack: str) -> None:
    names = {name for name, _, _ in _findings(stack)}
    assert names == EXPECTED_ADVISORIES[stack]
