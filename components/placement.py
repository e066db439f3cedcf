"""Where a cluster wants pods scheduled: a target's choice, carried as data.

A shared component never asks which cluster it is on; a target that has
nodes set apart for some pods (the local cluster's simulated kwok nodes)
says so here, and the components add it to their pods as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Placement:
    """Node selector, tolerations and nodes to avoid, for pods on one target (default: anywhere)."""

    node_selector: Mapping[str, str] = field(default_factory=dict)
    """Labels a node must carry (default none)."""
    tolerations: tuple[Mapping[str, str], ...] = ()
    """Taints the pods tolerate beyond the component's own (default none)."""
    avoided_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels of nodes that pods must not land on even when they tolerate every taint, as
    DaemonSets often do (default none)."""

    def pod_spec_fields(self) -> dict[str, Any]:
        """The pod-spec fields to add: nothing at all for the default placement."""
        return {"nodeSelector": dict(self.node_selector)} if self.node_selector else {}

    def node_affinity(self) -> dict[str, Any] | None:
        """A required node affinity that keeps pods off the avoided nodes; None: no such nodes."""
        if not self.avoided_labels:
            return None
        expressions = [
            {"key": key, "operator": "NotIn", "values": [value]}
            for key, value in sorted(self.avoided_labels.items())
        ]
        return {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": expressions}]
                }
            }
        }

    def node_label_selector(self) -> str:
        """The avoided nodes as a label selector that excludes them (`type!=kwok`); empty when
        no node is avoided."""
        return ",".join(f"{key}!={value}" for key, value in sorted(self.avoided_labels.items()))

    def chart_values(self, *, affinity: bool = False) -> dict[str, Any]:
        """`nodeSelector` and `tolerations` in the shape most charts take for one workload,
        and `affinity` when asked for (charts whose pods tolerate every taint)."""
        values: dict[str, Any] = {
            "nodeSelector": dict(self.node_selector),
            "tolerations": [dict(t) for t in self.tolerations],
        }
        if affinity and (node_affinity := self.node_affinity()):
            values["affinity"] = node_affinity
        return values
