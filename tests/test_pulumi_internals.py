"""The private Pulumi SDK names gantry relies on: present, behaving, and used in one module.

An SDK upgrade that moves one of them fails here by name (and on import of
gantry/pulumi_internals.py), never as a quietly empty config or a secret
that no longer looks secret.
"""

from __future__ import annotations

import re
from pathlib import Path

import pulumi
import pytest

from gantry import pulumi_internals as sdk
from tests.harness import run_with_mocks
from tests.sdk_touchpoints import REPO, exists, reaching_in

ADAPTER = REPO / "gantry" / "pulumi_internals.py"
PRIVATE = re.compile(
    r"_special_secret_sig|_special_sig_key|_get_rpc_manager|_sync_await|run_pulumi_func"
    r"|engine_config|runtime\.config\b|runtime import config\b|settings\.(SETTINGS|ROOT)"
    r"|get_root_resource"
)


@pytest.mark.parametrize("touchpoint", sdk.TOUCHPOINTS)
def test_every_touchpoint_exists_in_the_installed_sdk(touchpoint: str) -> None:
    assert exists(touchpoint), (
        f"{touchpoint} is gone: adapt gantry/pulumi_internals.py to the new SDK"
    )


def test_a_moved_name_fails_loudly_with_its_name() -> None:
    with pytest.raises(sdk.SdkInternalsMovedError, match=r"pulumi\.runtime\.rpc\._no_such_name"):
        sdk._require("pulumi.runtime.rpc", "_no_such_name")


def test_config_entries_and_secret_flags_come_from_the_engine() -> None:
    seen: dict[str, object] = {}

    def program() -> None:
        entries = sdk.config_entries()
        seen["plain"] = entries.get("gantry:profile")
        seen["secret_value"] = entries.get("gantry:token")
        seen["plain_is_secret"] = sdk.is_secret_config("gantry:profile")
        seen["secret_is_secret"] = sdk.is_secret_config("gantry:token")

    run_with_mocks(
        program, config={"gantry:profile": "dev"}, secret_config={"gantry:token": "s3cret"}
    )
    assert seen == {
        "plain": "dev",
        "secret_value": "s3cret",
        "plain_is_secret": False,
        "secret_is_secret": True,
    }


def test_the_secret_wrapper_is_what_the_engine_records() -> None:
    rec = run_with_mocks(lambda: pulumi.export("token", pulumi.Output.secret("s3cret")))
    assert sdk.is_secret_wrapper(rec.exports["token"])
    assert rec.exports["token"] == sdk.secret_wrapper("s3cret")
    assert not sdk.is_secret_wrapper({"value": "s3cret"})


def test_reset_forgets_a_failed_run() -> None:
    def failing() -> None:
        pulumi.Output.from_input("x").apply(lambda _: 1 / 0)

    with pytest.raises(ZeroDivisionError):
        run_with_mocks(failing)
    rec = run_with_mocks(lambda: pulumi.export("ok", "yes"))  # resets before it runs
    assert rec.exports == {"ok": "yes"}


def test_no_other_file_reaches_into_the_sdk_internals() -> None:
    offenders = reaching_in(PRIVATE, (ADAPTER, Path(__file__)))
    assert offenders == [], "use gantry/pulumi_internals.py instead:\n" + "\n".join(offenders)
