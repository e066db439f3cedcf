"""The whole program's resources, recorded under mocks, pass the pack with their stack's config.

Every resource policy runs on every recorded resource and every stack policy on
the whole graph, with ``policies/config/<stack>.json`` (generated from the stack) and
the levels it sets,
the way the engine would call them. A mandatory violation here is a component
that would fail `pulumi preview --policy-pack policies` for that stack.

Limits: helm.v4.Chart arrives under mocks as one registration without its
children, so chart-rendered objects are not in this graph; the pack checks
them in a real preview.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import gantry_policies
import pytest
import test_program
from gantry_policies.bench import engine_props
from gantry_policies.images import matches_repository, parse_image
from gantry_policies.podspec import containers, pod_template
from gantry_policies.rule import DeferredToUpdateError
from gantry_policies.sdk_internals import NotApplicableError, unknown_checking_proxy
from harness import Recording, Registered, unwrap
from helpers import _opts
from pulumi.runtime.mocks import MockResourceArgs
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

CONFIG_DIR = Path(__file__).resolve().parents[2] / "policies" / "config"
STACKS = ("local", "dev", "prod")


def _config(stack: str) -> dict[str, dict[str, Any]]:
    return dict(json.loads((CONFIG_DIR / f"{stack}.json").read_text(encoding="utf-8")))


def _level(policy: Any, config: dict[str, dict[str, Any]]) -> EnforcementLevel:
    level = config.get(policy.name, {}).get("enforcementLevel")
    return EnforcementLevel(level) if level else policy.enforcement_level


def _properties(config: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    return {k: v for k, v in config.get(name, {}).items() if k != "enforcementLevel"}


def _props(resource: Registered) -> dict[str, Any]:
    """The resource's state as the engine sends it (JSON values, numbers as floats)."""
    plain = json.loads(json.dumps(unwrap(resource.state), default=str))
    return engine_props(plain)


def _dependencies(resources: list[Registered]) -> dict[str, dict[str, list[str]]]:
    """Property dependencies: a top-level input holding another resource's (mock) id.

    Mock ids are ``<name>-id``, so a bucket and its settings (all named after the
    bucket) share one; the referenced resource is the one whose type is named
    like the input (``bucket`` -> ``Bucket``), or the only other candidate.
    """
    by_id: dict[str, list[Registered]] = {}
    for r in resources:
        by_id.setdefault(f"{r.name}-id", []).append(r)
    deps: dict[str, dict[str, list[str]]] = {}
    for r in resources:
        for key, value in unwrap(r.inputs).items():
            if not isinstance(value, str):
                continue
            candidates = [c for c in by_id.get(value, []) if c.urn != r.urn]
            named = [c for c in candidates if c.type.rsplit(":", 1)[-1].lower() == key.lower()]
            chosen = named if len(named) == 1 else candidates if len(candidates) == 1 else []
            if chosen:
                deps.setdefault(r.urn, {})[key] = [chosen[0].urn]
    return deps


def _regional_fakes(base: dict[str, Any]) -> dict[str, Any]:
    """test_program's fakes, with ECR repository URLs in the region of their AWS provider.

    The shared fake answers us-east-1 for every repository; a real registry host
    carries the provider's region, which is exactly what K13's allowlist checks.
    """
    regions: dict[str, str] = {}
    ecr = base["aws:ecr/repository:Repository"]

    def provider(args: MockResourceArgs) -> dict[str, Any]:
        regions[f"{args.name}-id"] = str(args.inputs.get("region", "us-east-1"))
        return {}

    def repository(args: MockResourceArgs) -> dict[str, Any]:
        state = dict(ecr(args))
        region = regions.get((args.provider or "").rsplit("::", 1)[-1], "us-east-1")
        state["repositoryUrl"] = state["repositoryUrl"].replace(
            ".dkr.ecr.us-east-1.", f".dkr.ecr.{region}."
        )
        return state

    return {**base, "pulumi:providers:aws": provider, "aws:ecr/repository:Repository": repository}


@cache
def _recording(stack: str) -> Recording:
    """The program's graph for ``stack``: test_program's run, with region-true fakes."""
    original = test_program.fakes
    test_program.fakes = lambda: _regional_fakes(original())
    try:
        return test_program.run_stack.__wrapped__(stack)  # uncached: these fakes differ
    finally:
        test_program.fakes = original


def _violations(stack: str) -> Iterator[tuple[str, str, str, EnforcementLevel]]:
    """(policy, urn, message, level) for every violation the pack reports on the graph."""
    recorded = [r for r in _recording(stack).resources if r.custom]
    config = _config(stack)
    found: list[tuple[str, str, str, EnforcementLevel]] = []
    for policy in gantry_policies.POLICIES:
        level = _level(policy, config)
        if level == EnforcementLevel.DISABLED:
            continue

        def report(message: str, urn: str | None = None, name: str = policy.name) -> None:
            found.append((name, urn or current[0], message, level))  # noqa: B023

        current = [""]
        if isinstance(policy, ResourceValidationPolicy):
            for r in recorded:
                current[0] = r.urn
                args = ResourceValidationArgs(
                    r.type,
                    unknown_checking_proxy(_props(r)),
                    r.urn,
                    r.name,
                    _opts(),
                    None,
                    _properties(config, policy.name),
                )
                try:
                    policy.validate(args, report)
                except NotApplicableError:
                    continue
                except DeferredToUpdateError as deferred:
                    report(f"deferred: {deferred.message}", r.urn)
        elif isinstance(policy, StackValidationPolicy):
            built = {
                r.urn: PolicyResource(
                    r.type,
                    unknown_checking_proxy(_props(r)),
                    r.urn,
                    r.name,
                    _opts(),
                    None,
                    None,
                    [],
                    {},
                )
                for r in recorded
            }
            for urn, by_key in _dependencies(recorded).items():
                for key, urns in by_key.items():
                    built[urn].property_dependencies[key] = [built[u] for u in urns]
            current[0] = "stack"
            try:
                policy.validate(
                    StackValidationArgs(list(built.values()), _properties(config, policy.name)),
                    report,
                )
            except DeferredToUpdateError as deferred:
                report(f"deferred: {deferred.message}")
    yield from found


KNOWN_GAPS: dict[tuple[str, str], str] = {}
"""Mandatory violations the components are known to cause, each with why. A gap that is
fixed must leave this table (``test_known_gaps_are_still_real``), so it cannot go stale."""


def _mandatory(stack: str) -> list[tuple[str, str]]:
    return [
        (name, f"{name} on {urn.rsplit('::', 1)[-1]}: {message}")
        for name, urn, message, level in _violations(stack)
        if level == EnforcementLevel.MANDATORY
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_no_mandatory_violation(stack: str) -> None:
    unexpected = [text for name, text in _mandatory(stack) if (stack, name) not in KNOWN_GAPS]
    assert unexpected == [], "\n".join(unexpected)


def test_known_gaps_are_still_real() -> None:
    """One test over the table (not one per entry), so an empty table is not a skip."""
    fixed = [
        f"{policy} no longer fails on {stack}: remove it from KNOWN_GAPS"
        for stack, policy in sorted(KNOWN_GAPS)
        if not any(name == policy for name, _ in _mandatory(stack))
    ]
    assert fixed == [], "\n".join(fixed)


def _workload_images(stack: str) -> list[tuple[str, str]]:
    out = []
    for r in _recording(stack).kubernetes_objects():
        template = pod_template(r.type, unwrap(r.inputs))
        for _, _, container in containers(template.spec) if template else []:
            out.append((r.name, str(container.get("image"))))
    return out


@pytest.mark.parametrize("stack", STACKS)
def test_service_images_are_first_party_and_allowed(stack: str) -> None:
    """The pack config names the registries this stack really deploys from."""
    allowed = _config(stack)["restrict-image-registries"]["allowedRegistries"]
    first_party = _config(stack)["require-pinned-images"]["firstPartyRepositories"]
    images = _workload_images(stack)
    assert images, "the stack deploys workloads"
    for name, image in images:
        ref = parse_image(image)
        assert any(matches_repository(ref, p) for p in allowed), (name, image)
        assert any(matches_repository(ref, p) for p in first_party), (name, image)
