"""Where GoService's pods may run: the package's inputs for the program's `Placement`.

In the program a cluster target decides this (the local target's simulated
nodes); a package user names node labels and taints directly. Tolerations
have no stack-config model, so the rules Kubernetes applies to them are
checked here, before anything is registered.

No `from __future__ import annotations`: the SDK's schema inference reads live annotations.
"""

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Literal, Required, TypedDict

from pydantic import BaseModel, ConfigDict, Field, model_validator

from components.placement import Placement

from .inputs import Problem, join, validated


class TolerationOperator(StrEnum):
    """How a toleration matches a taint's value."""

    EQUAL = "Equal"
    """The taint's value must be the toleration's `value` (the default)."""
    EXISTS = "Exists"
    """Any value of the taint's key."""


class TaintEffect(StrEnum):
    """What a taint does to pods that do not tolerate it."""

    NO_SCHEDULE = "NoSchedule"
    """New pods are not scheduled on the node."""
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
    """The scheduler avoids the node when it can."""
    NO_EXECUTE = "NoExecute"
    """Running pods are evicted too."""


class Toleration(TypedDict, total=False):
    """A taint the service's pods tolerate."""

    key: Required[str]
    """The taint's key, e.g. dedicated."""
    operator: TolerationOperator
    """Equal or Exists (default Equal)."""
    value: str
    """The taint's value, with Equal (default empty)."""
    effect: TaintEffect
    """The effect tolerated (default every effect)."""


class TolerationRule(BaseModel):
    """Kubernetes' rules for a toleration, checked before the pods are created."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1, max_length=316)
    operator: Literal["Equal", "Exists"] = "Equal"
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None

    @model_validator(mode="after")
    def _no_value_with_exists(self) -> "TolerationRule":
        if self.operator == "Exists" and self.value:
            msg = "a toleration with operator Exists matches any value; give none"
            raise ValueError(msg)
        return self

    def as_pod_field(self) -> dict[str, str]:
        """The toleration as the pod spec spells it (unset fields left out)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


def placement(
    node_selector: Mapping[str, str] | None, tolerations: Sequence[Mapping[str, Any]]
) -> tuple[Placement, list[Problem]]:
    """The program's Placement from the inputs, and every problem with the tolerations."""
    checked, problems = [], []
    for index, raw in enumerate(tolerations):
        rule, found = validated(TolerationRule, raw, join("tolerations", index))
        problems += found
        if rule is not None:
            checked.append(rule.as_pod_field())
    return Placement(node_selector=dict(node_selector or {}), tolerations=tuple(checked)), problems
