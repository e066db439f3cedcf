"""Find the PodSpec (and its metadata) in every Kubernetes kind that runs Pods."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from .sdk_internals import PROXY_TARGET, UNKNOWN_STRING_VALUE, DictProxy, ListProxy
from .values import UNKNOWN, Path, child, dotted, get, plain, unknown_paths

# Pulumi type token -> (path to the pod metadata, path to the pod spec); engine camelCase props.
_TEMPLATE: Final = ("spec", "template")
POD_TEMPLATE_PATHS: Final[dict[str, tuple[Path, Path]]] = {
    "kubernetes:core/v1:Pod": (("metadata",), ("spec",)),
    "kubernetes:core/v1:PodTemplate": (("template", "metadata"), ("template", "spec")),
    "kubernetes:core/v1:ReplicationController": ((*_TEMPLATE, "metadata"), (*_TEMPLATE, "spec")),
    "kubernetes:apps/v1:Deployment": ((*_TEMPLATE, "metadata"), (*_TEMPLATE, "spec")),
    "kubernetes:apps/v1:StatefulSet": ((*_TEMPLATE, "metadata"), (*_TEMPLATE, "spec")),
    "kubernetes:apps/v1:DaemonSet": ((*_TEMPLATE, "metadata"), (*_TEMPLATE, "spec")),
    "kubernetes:apps/v1:ReplicaSet": ((*_TEMPLATE, "metadata"), (*_TEMPLATE, "spec")),
    "kubernetes:batch/v1:Job": ((*_TEMPLATE, "metadata"), (*_TEMPLATE, "spec")),
    "kubernetes:batch/v1:CronJob": (
        ("spec", "jobTemplate", "spec", "template", "metadata"),
        ("spec", "jobTemplate", "spec", "template", "spec"),
    ),
}
WORKLOAD_TYPES: Final = frozenset(POD_TEMPLATE_PATHS)
CONTAINER_FIELDS: Final = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True, eq=False)
class PodTemplate:
    """A pod's metadata and spec as plain data (UNKNOWN where preview cannot know).

    ``unknowns`` are rooted at ``("metadata", ...)`` / ``("spec", ...)`` of the pod
    so that rules match them against the fields they read whatever the kind.
    Templates are shared between policies (see ``pod_template``): read, never mutate.
    ``key`` is the canonical JSON of the source, for caches of derived results.
    """

    metadata: dict[str, Any]
    spec: dict[str, Any]
    spec_path: Path
    unknowns: tuple[Path, ...]
    key: str = ""

    def field_path(self, path: Path) -> str:
        """Where a pod-relative path sits in the resource, for messages."""
        return dotted((*self.spec_path[:-1], *path))


def _json_default(node: Any) -> object:
    """Unwrap pulumi-policy's proxies for the C JSON encoder (it recurses into the result)."""
    kind = type(node)
    if kind is DictProxy or kind is ListProxy:
        return node[PROXY_TARGET]  # the proxy's own dict or list
    if node is UNKNOWN:
        return UNKNOWN_STRING_VALUE
    if isinstance(node, Mapping):
        return {str(k): child(node, k) for k in list(node)}
    if isinstance(node, Sequence) and not isinstance(node, str | bytes):
        return [child(node, i) for i in range(len(node))]
    raise TypeError(f"not JSON: {kind.__name__}")


_ENCODER: Final = json.JSONEncoder(
    default=_json_default, separators=(",", ":"), allow_nan=False, check_circular=False
)


def _canonical(props: Any, meta_path: Path, spec_path: Path) -> str | None:
    """The template's source as compact JSON, or None when it holds non-JSON values.

    Engine properties are trees decoded from protobuf, so there is no cycle to
    guard against (check_circular=False saves a third of the time).
    """
    try:
        return _ENCODER.encode([get(props, *meta_path), get(props, *spec_path)])
    except (TypeError, ValueError, RecursionError):
        return None


def _build(meta: Any, spec: Any, spec_path: Path, key: str) -> PodTemplate:
    unknowns: list[Path] = []
    out: dict[str, dict[str, Any]] = {}
    for root, source in (("metadata", meta), ("spec", spec)):
        node = plain(source)
        if node is UNKNOWN:
            unknowns.append((root,))
            node = {}
        elif not isinstance(node, dict):
            node = {}
        unknowns.extend((root, *p) for p in unknown_paths(node))
        out[root] = node
    return PodTemplate(out["metadata"], out["spec"], spec_path, tuple(unknowns), key)


@lru_cache(maxsize=1024)
def _from_json(key: str, spec_path: Path) -> PodTemplate:
    meta, spec = json.loads(key)
    return _build(meta, spec, spec_path, key)


def pod_template(resource_type: str, props: Any) -> PodTemplate | None:
    """The pod template of a workload resource, or None for other kinds.

    The engine gives every policy its own freshly proxied copy of the same
    properties, so ~25 workload policies would each copy the template again.
    Instead the template is keyed by its content (compact JSON, written by the C
    encoder) and built once: equal content gives an equal template, so the
    cache cannot hand one resource another's data, whichever policy or thread asks.
    """
    paths = POD_TEMPLATE_PATHS.get(resource_type)
    if paths is None:
        return None
    meta_path, spec_path = paths
    key = _canonical(props, meta_path, spec_path)
    if key is None:
        return _build(get(props, *meta_path), get(props, *spec_path), spec_path, "")
    return _from_json(key, spec_path)


def containers(spec: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(field, index, container) for init, regular and ephemeral containers, in that order."""
    for field_name in CONTAINER_FIELDS:
        items = spec.get(field_name)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield field_name, index, item
