"""Find the PodSpec (and its metadata) in every Kubernetes kind that runs Pods."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from .values import UNKNOWN, Path, dotted, get, plain, unknown_paths

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


@dataclass(frozen=True)
class PodTemplate:
    """A pod's metadata and spec as plain data (UNKNOWN where preview cannot know).

    ``unknowns`` are rooted at ``("metadata", ...)`` / ``("spec", ...)`` of the pod
    so that rules match them against the fields they read whatever the kind.
    """

    metadata: dict[str, Any]
    spec: dict[str, Any]
    spec_path: Path
    unknowns: tuple[Path, ...]

    def field_path(self, path: Path) -> str:
        """Where a pod-relative path sits in the resource, for messages."""
        return dotted((*self.spec_path[:-1], *path))


def pod_template(resource_type: str, props: Any) -> PodTemplate | None:
    """The pod template of a workload resource, or None for other kinds."""
    paths = POD_TEMPLATE_PATHS.get(resource_type)
    if paths is None:
        return None
    meta_path, spec_path = paths
    unknowns: list[Path] = []
    out: dict[str, dict[str, Any]] = {}
    for root, path in (("metadata", meta_path), ("spec", spec_path)):
        node = plain(get(props, *path))
        if node is UNKNOWN:
            unknowns.append((root,))
            node = {}
        elif not isinstance(node, dict):
            node = {}
        unknowns.extend((root, *p) for p in unknown_paths(node))
        out[root] = node
    return PodTemplate(out["metadata"], out["spec"], spec_path, tuple(unknowns))


def containers(spec: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(field, index, container) for init, regular and ephemeral containers, in that order."""
    for field_name in CONTAINER_FIELDS:
        items = spec.get(field_name)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield field_name, index, item
