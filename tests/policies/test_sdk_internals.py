"""The private pulumi-policy names the pack relies on: present, behaving, and used in one module.

An SDK upgrade that moves one of them fails on import of
policies/gantry_policies/sdk_internals.py, naming it and the pinned version,
never as a rule that quietly stops seeing preview unknowns.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from gantry_policies import sdk_internals as sdk
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
)

from tests.sdk_touchpoints import REPO, exists, reaching_in

ADAPTER = REPO / sdk.ADAPTER
PRIVATE = re.compile(
    r"pulumi_policy\.(proxy|policy|deserialize)\b"
    r"|\b_(NotApplicableError|PolicyAnalyzerServicer|DictProxy|ListProxy)\b"
    r"|__target\b"
)
"""pulumi-policy's non-public modules, its private names, and the proxies' target key."""


@pytest.mark.parametrize("touchpoint", sdk.TOUCHPOINTS)
def test_every_touchpoint_exists_in_the_installed_sdk(touchpoint: str) -> None:
    assert exists(touchpoint), f"{touchpoint} is gone: adapt {sdk.ADAPTER} to the new SDK"


def test_the_touchpoints_are_exactly_what_the_adapter_imports() -> None:
    imported = {
        f"{node.module}.{alias.name}"
        for node in ast.walk(ast.parse(ADAPTER.read_text()))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi_policy.")
        for alias in node.names
    }
    assert imported == set(sdk.TOUCHPOINTS)


def test_the_pin_is_the_one_installed_and_required() -> None:
    requirements = (REPO / "policies" / "requirements.txt").read_text()
    assert f"pulumi-policy=={sdk.PINNED_VERSION}\n" in requirements
    assert sdk._installed_version() == sdk.PINNED_VERSION


def _import_with(patch: str) -> subprocess.CompletedProcess[str]:
    """Import the pack in a fresh interpreter after `patch` changed pulumi-policy."""
    program = f"import pulumi_policy.proxy as proxy, pulumi_policy.policy as policy\n{patch}\n"
    program += "import gantry_policies\n"
    return subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO / "policies",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("patch", "named"),
    [
        ("del proxy._DictProxy", "pulumi_policy.proxy._DictProxy"),
        ("del policy._NotApplicableError", "pulumi_policy.policy._NotApplicableError"),
        ("proxy.unknown_checking_proxy = dict", "pulumi_policy.proxy.unknown_checking_proxy"),
        (
            "proxy._DictProxy.__getitem__ = lambda self, key: {}",
            "pulumi_policy.proxy._DictProxy['__target']",
        ),
    ],
    ids=["moved-class", "moved-error", "changed-proxy", "changed-target-key"],
)
def test_a_moved_or_changed_name_fails_the_import_loudly(patch: str, named: str) -> None:
    done = _import_with(patch)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("gantry_policies.sdk_internals.SdkInternalsMovedError: "), last
    assert named in last and f"pulumi-policy=={sdk.PINNED_VERSION}" in last, last
    assert sdk.ADAPTER in last


def test_an_unchanged_sdk_imports_cleanly() -> None:
    done = _import_with("")
    assert done.returncode == 0, done.stderr


def test_proxies_hand_out_their_targets_and_guard_unknowns() -> None:
    props = sdk.unknown_checking_proxy({"spec": {"ports": [sdk.UNKNOWN_STRING_VALUE]}})
    assert type(props) is sdk.DictProxy and type(props["spec"]["ports"]) is sdk.ListProxy
    assert type(props["spec"][sdk.PROXY_TARGET]) is dict
    with pytest.raises(sdk.UnknownValueError):
        props["spec"]["ports"][0]
    assert sdk.UNKNOWN_STRING_VALUE in sdk.UNKNOWN_SENTINELS and len(sdk.UNKNOWN_SENTINELS) == 7


def test_not_applicable_is_what_the_sdk_raises() -> None:
    args = ResourceValidationArgs(
        "t",
        {},
        "urn",
        "n",
        PolicyResourceOptions(False, [], False, [], PolicyCustomTimeouts(0, 0, 0), []),
        None,
        {},
    )
    with pytest.raises(sdk.NotApplicableError):
        args.not_applicable("no such thing here")


def test_deserialize_unwraps_the_engines_secrets() -> None:
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "s"}
    assert sdk.deserialize_properties({"a": secret, "b": [1]}) == {"a": "s", "b": [1]}


def test_nothing_else_reaches_into_pulumi_policy_internals() -> None:
    offenders = reaching_in(PRIVATE, (ADAPTER, Path(__file__)))
    assert offenders == [], f"use {sdk.ADAPTER} instead:\n" + "\n".join(offenders)
