"""Reading engine property bags without tripping over preview unknowns.

pulumi-policy hands validators a proxy that raises ``UnknownValueError`` on any
unknown value. A rule that lets that escape stops at the first unknown and the
SDK downgrades it to an advisory note, so known violations next to it go
unreported. Here unknowns become the ``UNKNOWN`` sentinel instead, so a rule can
check everything known and say precisely which field it could not verify.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from .sdk_internals import PROXY_TARGET, UNKNOWN_SENTINELS, DictProxy, ListProxy, UnknownValueError

_SENTINELS: Final = UNKNOWN_SENTINELS

Path = tuple[str | int, ...]


class Unknown:
    """A value the engine cannot know until ``pulumi up`` (one shared instance)."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Final = Unknown()


def is_unknown(value: object) -> bool:
    """True for our sentinel and for the engine's raw sentinel strings."""
    return value is UNKNOWN or (isinstance(value, str) and value in _SENTINELS)


def child(node: Any, key: str | int) -> Any:
    """One step down ``node``; None when absent, UNKNOWN when unknown."""
    if node is None or node is UNKNOWN:
        return node
    kind = type(node)
    if kind is DictProxy or kind is ListProxy:
        node = node[PROXY_TARGET]
        kind = type(node)
    if kind is dict:
        value = node.get(key)
        return UNKNOWN if type(value) is str and value in _SENTINELS else value
    try:
        value = _lookup(node, key)
    except UnknownValueError:
        return UNKNOWN
    return UNKNOWN if is_unknown(value) else value


def _lookup(node: Any, key: str | int) -> Any:
    """``node[key]`` for any Mapping or (int key) Sequence; None when absent."""
    if isinstance(node, Mapping):
        return node.get(key)  # a proxy raises UnknownValueError here; child() catches it
    is_list = isinstance(node, Sequence) and not isinstance(node, str)
    if is_list and isinstance(key, int) and key < len(node):
        return node[key]
    return None


def get(node: Any, *path: str | int) -> Any:
    """Walk ``path`` from ``node``; None when any step is absent, UNKNOWN when unknown."""
    for key in path:
        node = child(node, key)
        if node is None or node is UNKNOWN:
            return node
    return node


def plain(node: Any) -> Any:
    """Deep copy into dicts/lists with UNKNOWN in place of every unknown value.

    The fast path reads the proxies' targets directly (the proxy only adds the
    unknown check we do here anyway): policy time matters on a 3,000-object stack.
    """
    kind = type(node)
    if kind is DictProxy:
        node, kind = node[PROXY_TARGET], dict
    elif kind is ListProxy:
        node, kind = node[PROXY_TARGET], list
    if kind is dict:
        return {k: plain(v) for k, v in node.items()}
    if kind is list:
        return [plain(v) for v in node]
    if kind is str:
        return UNKNOWN if node in _SENTINELS else node
    return _plain_other(node)


def _plain_other(node: Any) -> Any:
    """``plain`` for anything but the engine's own dicts, lists and strings."""
    if is_unknown(node):
        return UNKNOWN
    if isinstance(node, Mapping):
        return {str(k): plain(child(node, k)) for k in list(node)}
    if isinstance(node, Sequence) and not isinstance(node, str | bytes):
        return [plain(child(node, i)) for i in range(len(node))]
    return node


def unknown_paths(node: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every path under ``node`` (a ``plain`` tree) whose value is UNKNOWN."""
    if node is UNKNOWN:
        yield prefix
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from unknown_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from unknown_paths(value, (*prefix, index))


def dotted(path: Path) -> str:
    """Render a path the way kubectl explains fields: ``spec.containers[0].image``."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def as_list(value: Any) -> list[Any]:
    """A known list, or [] for None/UNKNOWN/other (callers check UNKNOWN first)."""
    if isinstance(value, list):
        return value
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [child(value, i) for i in range(len(value))]
    return []


def as_dict(value: Any) -> dict[str, Any]:
    """A known mapping as a dict, or {} for anything else."""
    if isinstance(value, dict):
        return value
    if isinstance(value, Mapping):
        return {str(k): child(value, k) for k in list(value)}
    return {}
