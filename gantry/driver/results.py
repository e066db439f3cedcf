"""What one driver command did, as data: printed for people, returned for tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from .progress import PolicyFinding


class Exit(IntEnum):
    """Exit codes of `python -m gantry.driver`; the docs list them."""

    OK = 0
    FAILED = 1
    USAGE = 2
    POLICY = 3
    CHANGES = 4
    INTERRUPTED = 5
    LOCKED = 6


@dataclass(frozen=True)
class Result:
    """`changes`: step counts by operation (engine names); `changed`: (operation, URN)
    of every step that was not `same`. `outputs`: secrets masked. `note`: how an
    interrupted command ended and what it left in progress."""

    command: str
    stack: str
    exit: Exit
    changes: dict[str, int] = field(default_factory=dict)
    changed: tuple[tuple[str, str], ...] = ()
    findings: tuple[PolicyFinding, ...] = ()
    outputs: dict[str, Any] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    seconds: float = 0.0
    note: str = ""

    @property
    def blocking_findings(self) -> tuple[PolicyFinding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    def summary(self) -> str:
        """One line: what changed and how it ended."""
        steps = ", ".join(f"{n} {op}" for op, n in sorted(self.changes.items())) or "no steps"
        verdict = {
            Exit.OK: "ok",
            Exit.FAILED: "failed",
            Exit.USAGE: "not run",
            Exit.POLICY: f"refused by the policy pack ({len(self.blocking_findings)} mandatory)",
            Exit.CHANGES: "changes found where none were expected",
            Exit.INTERRUPTED: "interrupted",
            Exit.LOCKED: "refused, the stack is in use",
        }[self.exit]
        note = f" ({self.note})" if self.note else ""
        return f"{self.command} {self.stack}: {verdict}{note}; {steps} in {self.seconds:.1f}s"

    def to_json(self) -> str:
        return json.dumps(
            {
                "command": self.command,
                "stack": self.stack,
                "exit": int(self.exit),
                "changes": self.changes,
                "changed": [list(step) for step in self.changed],
                "findings": [f.__dict__ for f in self.findings],
                "outputs": self.outputs,
                "errors": list(self.errors),
                "seconds": round(self.seconds, 1),
                "note": self.note,
            },
            indent=2,
            sort_keys=True,
        )
