"""The engine's events as they come: one line per step, every policy finding, a summary.

Silence for minutes is what makes people kill a deploy; a line per resource
step, each diagnostic and each policy finding keeps a long `up` readable in a
terminal and in CI logs, without the CLI's interactive display.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from pulumi.automation import EngineEvent, OpType

# `refresh` is the step every resource takes in a refresh; drift shows in its summary.
QUIET_OPS = frozenset({OpType.SAME, OpType.READ, OpType.REFRESH})
SYMBOLS = {
    OpType.CREATE: "+",
    OpType.UPDATE: "~",
    OpType.DELETE: "-",
    OpType.REPLACE: "+-",
    OpType.CREATE_REPLACEMENT: "++",
    OpType.DELETE_REPLACED: "--",
    OpType.REFRESH: "r",
    OpType.IMPORT: "=",
}


@dataclass(frozen=True)
class PolicyFinding:
    """One finding of the pack: `level` is advisory, mandatory, remediate or disabled."""

    policy: str
    level: str
    message: str
    urn: str | None

    @property
    def blocking(self) -> bool:
        return self.level == "mandatory"


TRACEBACK = "Traceback (most recent call last):"


def condensed(text: str) -> str:
    """A provider's Python traceback as its last line, `ExceptionName: message`.

    A dynamic provider (the ko build, generated passwords) reports every failure
    with its full traceback, in which the one line that says what went wrong
    comes last; the whole text stays in the result (`--json`).
    """
    if TRACEBACK not in text:
        return text
    last = text.strip().splitlines()[-1]
    exception, colon, message = last.partition(": ")
    return f"{exception.rpartition('.')[2]}{colon}{message} (traceback: --json)"


def short_urn(urn: str) -> str:
    """`type::name` from `urn:pulumi:stack::project::parent$type::name`."""
    qualified, _, name = urn.rpartition("::")
    kind = qualified.rpartition("::")[2].rpartition("$")[2]
    return f"{kind}::{name}"


@dataclass
class Progress:
    """Collects what the engine reported and prints it through `echo` as it arrives."""

    echo: Callable[[str], None] = print
    show_unchanged: bool = False
    steps: Counter[str] = field(default_factory=Counter)
    changed: list[tuple[str, str]] = field(default_factory=list)
    findings: list[PolicyFinding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)
    duration_seconds: int | None = None

    def __call__(self, event: EngineEvent) -> None:
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            self.steps[meta.op.value] += 1
            if meta.op not in QUIET_OPS:
                self.changed.append((meta.op.value, meta.urn))
            if meta.op not in QUIET_OPS or self.show_unchanged:
                symbol = SYMBOLS.get(meta.op, " ")
                keys = f" [{', '.join(meta.diffs)}]" if meta.diffs else ""
                self.echo(f"  {symbol:<2} {meta.op.value:<10} {short_urn(meta.urn)}{keys}")
        elif event.res_op_failed_event is not None:
            meta = event.res_op_failed_event.metadata
            self.echo(f"  !! failed     {short_urn(meta.urn)}")
        elif event.policy_event is not None:
            self._policy(event)
        elif event.diagnostic_event is not None:
            self._diagnostic(event)
        elif event.summary_event is not None:
            summary = event.summary_event
            # The SDK hands these over as plain strings, despite the OpType annotation.
            self.changes = {
                str(getattr(op, "value", op)): n for op, n in summary.resource_changes.items()
            }
            self.duration_seconds = summary.duration_seconds

    def _policy(self, event: EngineEvent) -> None:
        policy = event.policy_event
        assert policy is not None
        finding = PolicyFinding(
            policy=policy.policy_name,
            level=policy.enforcement_level,
            message=policy.message.strip(),
            urn=policy.resource_urn,
        )
        self.findings.append(finding)
        where = f" ({short_urn(finding.urn)})" if finding.urn else ""
        self.echo(f"  policy {finding.level}: [{finding.policy}]{where} {finding.message}")

    def _diagnostic(self, event: EngineEvent) -> None:
        diag = event.diagnostic_event
        assert diag is not None
        text = diag.message.strip()
        if diag.ephemeral or not text:
            return
        if diag.severity == "error":
            self.errors.append(text)
        if diag.severity in {"error", "warning"}:
            where = f" {short_urn(diag.urn)}:" if diag.urn else ""
            self.echo(f"  {diag.severity}:{where} {condensed(text)}")
