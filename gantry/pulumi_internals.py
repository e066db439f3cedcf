"""Every place gantry reaches past the Pulumi SDK's public API, in one module.

The program needs the whole stack config (keys and secret flags) before any
resource exists, which `pulumi.Config` cannot list; the test harness needs the
engine's secret wrapper, a runtime reset between mocked runs and a way to run
a program function to completion. None of these has a public API in
pulumi==3.272.0 (requirements.txt). Each is looked up here, by name, when this
module is imported: an SDK upgrade that moves one fails on import with the
touchpoint's name instead of misbehaving quietly, and
tests/test_pulumi_internals.py checks that each still does what we rely on.
Nothing else in components/, gantry/, scripts/, tests/ or policies/ may name them
(tests/test_pulumi_internals.py greps for it).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

T = TypeVar("T")


class SdkInternalsMovedError(ImportError):
    """A private Pulumi SDK name gantry relies on is gone: adapt this module."""


def _require(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        msg = (
            f"{module}.{name} is gone from the installed Pulumi SDK; gantry relies on it "
            f"(gantry/pulumi_internals.py). Adapt that module to the new SDK: {error}"
        )
        raise SdkInternalsMovedError(msg) from error


# The running stack's config, as the engine handed it to the program.
_CONFIG = _require("pulumi.runtime.config", "CONFIG")
_CONFIG_ENV = _require("pulumi.runtime.config", "get_config_env")
_IS_CONFIG_SECRET = _require("pulumi.runtime.config", "is_config_secret")
# The wire form of a secret value.
SECRET_SIG: str = _require("pulumi.runtime.rpc", "_special_secret_sig")
SIG_KEY: str = _require("pulumi.runtime.rpc", "_special_sig_key")
# Runtime state a failed mocked run leaves behind.
_RPC_MANAGER = _require("pulumi.runtime.settings", "_get_rpc_manager")
_SETTINGS = _require("pulumi.runtime.settings", "SETTINGS")
_ROOT = _require("pulumi.runtime.settings", "ROOT")
_GET_ROOT = _require("pulumi.runtime.settings", "get_root_resource")
# Driving a program function to completion outside the language host.
_RUN_PULUMI_FUNC = _require("pulumi.runtime.stack", "run_pulumi_func")
_SYNC_AWAIT = _require("pulumi.runtime.sync_await", "_sync_await")

TOUCHPOINTS = (
    "pulumi.runtime.config.CONFIG",
    "pulumi.runtime.config.get_config_env",
    "pulumi.runtime.config.is_config_secret",
    "pulumi.runtime.rpc._special_secret_sig",
    "pulumi.runtime.rpc._special_sig_key",
    "pulumi.runtime.settings._get_rpc_manager",
    "pulumi.runtime.settings.SETTINGS",
    "pulumi.runtime.settings.ROOT",
    "pulumi.runtime.settings.get_root_resource",
    "pulumi.runtime.stack.run_pulumi_func",
    "pulumi.runtime.sync_await._sync_await",
)
"""Every private name above, for the test that checks them one by one."""


def config_entries() -> dict[str, str]:
    """Every config key of the running stack (`project:key`) and its raw value."""
    return {**_CONFIG_ENV(), **_CONFIG.get()}


def is_secret_config(key: str) -> bool:
    """True when the engine marked `key` (`project:key`) secret."""
    return bool(_IS_CONFIG_SECRET(key))


def secret_wrapper(value: Any) -> dict[str, Any]:
    """`value` as the engine stores a secret."""
    return {SIG_KEY: SECRET_SIG, "value": value}


def is_secret_wrapper(value: Any) -> bool:
    """True for a value in the engine's secret form."""
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def reset_runtime() -> None:
    """Forget a previous run: its pending error, its outputs and its root stack."""
    _RPC_MANAGER().clear()
    _SETTINGS.outputs.clear()
    _ROOT.set(None)


def run_program(program: Callable[[], Any]) -> None:
    """Run a Pulumi program function to completion (mocks must be set)."""
    _SYNC_AWAIT(_RUN_PULUMI_FUNC(program))


def sync_await(awaitable: Awaitable[T]) -> T:
    """Wait for `awaitable` on the runtime's own event loop."""
    return cast(T, _SYNC_AWAIT(awaitable))


def root_outputs() -> Mapping[str, Any]:
    """The root stack's exports after a run (empty when none ran)."""
    root = _GET_ROOT()
    return dict(getattr(root, "outputs", {}) or {}) if root is not None else {}
