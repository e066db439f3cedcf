"""Typed Prometheus rules, so generators build values and only render.py writes YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Record:
    """A recording rule."""

    record: str
    expr: str
    labels: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The rule as Prometheus (and the PrometheusRule CRD) spell it."""
        rule: dict[str, Any] = {"record": self.record, "expr": self.expr}
        if self.labels:
            rule["labels"] = dict(self.labels)
        return rule


@dataclass(frozen=True)
class Alert:
    """An alerting rule; `severity` is critical (pages) or warning (tickets)."""

    alert: str
    expr: str
    severity: str
    summary: str
    description: str
    for_: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    runbook_url: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in {"critical", "warning"}:
            msg = f"{self.alert}: severity must be critical or warning, not {self.severity!r}"
            raise ValueError(msg)

    def to_dict(self) -> dict[str, Any]:
        """The rule as Prometheus (and the PrometheusRule CRD) spell it."""
        rule: dict[str, Any] = {"alert": self.alert, "expr": self.expr}
        if self.for_:
            rule["for"] = self.for_
        rule["labels"] = {**self.labels, "severity": self.severity}
        annotations = {"summary": self.summary, "description": self.description}
        if self.runbook_url is not None:
            annotations["runbook_url"] = self.runbook_url
        rule["annotations"] = annotations
        return rule


Rule = Record | Alert


@dataclass(frozen=True)
class RuleGroup:
    """One rule group: one rule file for `make rules`, one PrometheusRule in the cluster."""

    name: str
    rules: tuple[Rule, ...]
    interval: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The group as it appears under `groups:` (and under a PrometheusRule's spec)."""
        group: dict[str, Any] = {"name": self.name}
        if self.interval:
            group["interval"] = self.interval
        group["rules"] = [rule.to_dict() for rule in self.rules]
        return group

    @property
    def alerts(self) -> tuple[Alert, ...]:
        """The alerting rules of the group, in order."""
        return tuple(rule for rule in self.rules if isinstance(rule, Alert))
