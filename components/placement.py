"""Where a cluster wants gantry's own workloads scheduled: a target's choice, carried as data.

A shared component never asks which cluster it is on; a target that has
nodes set apart for some pods (the local cluster's simulated kwok nodes)
says so here, and GoService adds it to its pods as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Placement:
    """Node selector and tolerations for gantry's pods on one target (default: none, anywhere)."""

    node_selector: Mapping[str, str] = field(default_factory=dict)
    """Labels a node must carry (default none)."""
    tolerations: tuple[Mapping[str, str], ...] = ()
    """Taints the pods tolerate beyond the component's own (default none)."""

    def pod_spec_fields(self) -> dict[str, Any]:
        """The pod-spec fields to add: nothing at all for the default placement."""
        return {"nodeSelector": dict(self.node_selector)} if self.node_selector else {}
