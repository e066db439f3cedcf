"""Every name the pack uses from outside pulumi-policy's public API, in one module.

The rules read property bags through pulumi-policy's unknown-checking proxies
without tripping over preview unknowns (values.py, podspec.py), the benchmark
runs policies the way the SDK does, and the tests drive the SDK's own analyzer.
None of that has a public API in pulumi-policy==1.21.0 (policies/requirements.txt):
the proxies, their sentinels and `UnknownValueError` live in `pulumi_policy.proxy`,
the not-applicable signal and the analyzer are private names of
`pulumi_policy.policy`, and the property decoder is `pulumi_policy.deserialize`.

Each is imported here, and the proxies' behaviour the pack relies on is checked,
when this module is imported: an upgrade that moves or changes one fails on
import with the missing name and the pinned version instead of misbehaving
quietly (a rule that stops seeing unknowns would pass or fail the wrong
resources). tests/policies/test_sdk_internals.py checks each name and greps
that nothing else in policies/, components/, gantry/, scripts/ or tests/ imports them.
"""

from __future__ import annotations

import re
from importlib import metadata
from typing import Any, Final

PINNED_VERSION: Final = "1.21.0"
"""The pulumi-policy these names were read from (policies/requirements.txt; a test keeps
the two equal)."""
ADAPTER: Final = "policies/gantry_policies/sdk_internals.py"


class SdkInternalsMovedError(ImportError):
    """A private pulumi-policy name the pack relies on is gone or behaves differently."""


def _installed_version() -> str:
    try:
        return metadata.version("pulumi-policy")
    except metadata.PackageNotFoundError:
        return "unknown"


def moved(what: str, detail: object) -> SdkInternalsMovedError:
    """The error for a touchpoint that is gone: its name, the installed and the pinned SDK."""
    return SdkInternalsMovedError(
        f"{what} is gone or changed in the installed pulumi-policy {_installed_version()}; "
        f"the pack is written against pulumi-policy=={PINNED_VERSION} "
        f"(policies/requirements.txt): {detail}. Adapt {ADAPTER} to the new SDK, or keep the pin."
    )


def _missing_name(error: ImportError) -> str:
    """`pulumi_policy.proxy._DictProxy` from "cannot import name '_DictProxy' from
    'pulumi_policy.proxy' (...)", or the missing module's name."""
    found = re.match(r"cannot import name '(\w+)' from '([\w.]+)'", str(error))
    return f"{found[2]}.{found[1]}" if found else str(error.name)


try:
    from pulumi_policy.deserialize import deserialize_properties
    from pulumi_policy.policy import _NotApplicableError as NotApplicableError
    from pulumi_policy.policy import _PolicyAnalyzerServicer as PolicyAnalyzerServicer
    from pulumi_policy.proxy import (
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
        UnknownValueError,
        unknown_checking_proxy,
    )
    from pulumi_policy.proxy import _DictProxy as DictProxy
    from pulumi_policy.proxy import _ListProxy as ListProxy
except ImportError as error:
    raise moved(_missing_name(error), error) from error

TOUCHPOINTS: Final = (
    "pulumi_policy.deserialize.deserialize_properties",
    "pulumi_policy.policy._NotApplicableError",
    "pulumi_policy.policy._PolicyAnalyzerServicer",
    "pulumi_policy.proxy.UNKNOWN_ARCHIVE_VALUE",
    "pulumi_policy.proxy.UNKNOWN_ARRAY_VALUE",
    "pulumi_policy.proxy.UNKNOWN_ASSET_VALUE",
    "pulumi_policy.proxy.UNKNOWN_BOOLEAN_VALUE",
    "pulumi_policy.proxy.UNKNOWN_NUMBER_VALUE",
    "pulumi_policy.proxy.UNKNOWN_OBJECT_VALUE",
    "pulumi_policy.proxy.UNKNOWN_STRING_VALUE",
    "pulumi_policy.proxy.UnknownValueError",
    "pulumi_policy.proxy.unknown_checking_proxy",
    "pulumi_policy.proxy._DictProxy",
    "pulumi_policy.proxy._ListProxy",
)
"""Every name imported above, for the test that checks them one by one."""

UNKNOWN_SENTINELS: Final = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)
"""The strings the engine puts where preview cannot know a value."""

PROXY_TARGET: Final = "__target"
"""The key at which a proxy hands out the dict or list it wraps, without the unknown check."""

__all__ = [
    "PROXY_TARGET",
    "TOUCHPOINTS",
    "UNKNOWN_SENTINELS",
    "UNKNOWN_STRING_VALUE",
    "DictProxy",
    "ListProxy",
    "NotApplicableError",
    "PolicyAnalyzerServicer",
    "SdkInternalsMovedError",
    "UnknownValueError",
    "deserialize_properties",
    "unknown_checking_proxy",
]


def _check_proxies() -> None:
    """What values.py and podspec.py rely on: dicts and lists come wrapped in exactly these
    two classes, each hands out what it wraps at `PROXY_TARGET`, and reading an unknown
    through a proxy raises `UnknownValueError`."""
    proxied: Any = unknown_checking_proxy({"list": [UNKNOWN_STRING_VALUE]})
    wrapper = "pulumi_policy.proxy.unknown_checking_proxy"
    if type(proxied) is not DictProxy:
        raise moved(wrapper, f"it wraps a dict in {type(proxied).__name__}, not _DictProxy")
    target = proxied[PROXY_TARGET]
    if type(target) is not dict or list(target) != ["list"]:
        raise moved("pulumi_policy.proxy._DictProxy['__target']", "not the wrapped dict")
    if type(target["list"]) is not ListProxy:
        raise moved(wrapper, f"it wraps a list in {type(target['list']).__name__}")
    items = target["list"][PROXY_TARGET]
    if type(items) is not list or len(items) != 1:
        raise moved("pulumi_policy.proxy._ListProxy['__target']", "not the wrapped list")
    try:
        target["list"][0]
    except UnknownValueError:
        return
    raise moved("pulumi_policy.proxy.UnknownValueError", "reading an unknown raised nothing")


_check_proxies()
