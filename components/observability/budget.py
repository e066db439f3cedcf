"""Resource requests of the stack, summed from the chart values we set.

Each values module reports the pods its values create (`Workload`); the sum
is what the scheduler has to find room for. The small profile must fit in
2 vCPU and 4 GiB so that a dev cluster of two small nodes still has room for
the service itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from components.quantities import mebibytes, millicores

SMALL_BUDGET_MILLICORES = 2000
SMALL_BUDGET_MEBIBYTES = 4096


@dataclass(frozen=True)
class Workload:
    """One kind of pod: its per-pod requests and how many copies run.

    `per_node` marks a DaemonSet: it runs `replicas` copies on every node.
    """

    name: str
    cpu_millicores: int
    memory_mebibytes: int
    replicas: int = 1
    per_node: bool = False

    def copies(self, nodes: int) -> int:
        return self.replicas * nodes if self.per_node else self.replicas


def container_requests(
    name: str, resources: Mapping[str, Any], replicas: int = 1, *, per_node: bool = False
) -> Workload:
    """A Workload from a chart's `resources:` block (its `requests`)."""
    requests = resources.get("requests", {})
    if "cpu" not in requests or "memory" not in requests:
        msg = f"{name}: resources.requests needs both cpu and memory, got {dict(requests)}"
        raise ValueError(msg)
    return Workload(
        name=name,
        cpu_millicores=millicores(str(requests["cpu"])),
        memory_mebibytes=mebibytes(str(requests["memory"])),
        replicas=replicas,
        per_node=per_node,
    )


@dataclass(frozen=True)
class Footprint:
    """The sum of requests of every workload, for a cluster of `nodes` nodes."""

    cpu_millicores: int
    memory_mebibytes: int
    nodes: int
    by_workload: dict[str, dict[str, int]]

    def within(self, cpu_millicores: int, memory_mebibytes: int) -> bool:
        return self.cpu_millicores <= cpu_millicores and self.memory_mebibytes <= memory_mebibytes

    def as_output(self) -> dict[str, Any]:
        """Plain data for register_outputs and stack exports."""
        return {
            "cpu_millicores": self.cpu_millicores,
            "memory_mebibytes": self.memory_mebibytes,
            "nodes_assumed": self.nodes,
            "by_workload": self.by_workload,
        }


def footprint(workloads: Iterable[Workload], nodes: int) -> Footprint:
    """Sum requests over all copies of every workload."""
    if nodes < 1:
        msg = f"nodes must be at least 1, got {nodes}"
        raise ValueError(msg)
    by_workload: dict[str, dict[str, int]] = {}
    cpu = memory = 0
    for w in workloads:
        if w.name in by_workload:
            msg = f"workload {w.name} is counted twice"
            raise ValueError(msg)
        copies = w.copies(nodes)
        by_workload[w.name] = {
            "copies": copies,
            "cpu_millicores": w.cpu_millicores * copies,
            "memory_mebibytes": w.memory_mebibytes * copies,
        }
        cpu += w.cpu_millicores * copies
        memory += w.memory_mebibytes * copies
    return Footprint(cpu, memory, nodes, by_workload)
