"""One driver command from start to finish, so that no way it can end strands the stack.

Before the engine starts: the stack's run lock, stale locks removed (live
ones named), the API servers checked, and what an interrupted run left in
progress reconciled. While it runs: signals forwarded to the CLI, the API
servers watched. However it ends (done, failed, refused, interrupted,
cancelled for an outage) it becomes a `Result` with one line saying why.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pulumi import automation as auto

from .apiwatch import ApiWatch, first_unreachable
from .guard import StackLocked, guarded, release_stale_locks
from .locks import backend_dir, refusal, stack_locks, this_host
from .progress import QUIET_OPS, Progress
from .recovery import left_in_progress, recover
from .results import Exit, Result
from .runlock import RunLockHeld
from .stack import (
    Command,
    Options,
    common_args,
    dispatch,
    masked_outputs,
    open_stack,
    stack_env,
)
from .supervisor import Aborted, Interrupted, Supervisor
from .toolchain import Toolchain

# Commands that reconcile what an interrupted run left in progress before they start.
RECOVERS = frozenset({"up", "refresh", "destroy"})
TALKS_TO_CLUSTERS = RECOVERS | {"preview"}
HAS_OUTPUTS = frozenset({"up", "outputs", "refresh"})
SHOWS_OUTPUTS = frozenset({Exit.OK, Exit.FAILED, Exit.POLICY, Exit.CHANGES})


class _Unreachable(Exception):  # noqa: N818 - a refusal, named for what the caller sees
    """An API server did not answer before the run started."""


def run(
    command: Command,
    options: Options,
    toolchain: Toolchain,
    echo: Callable[[str], None],
    supervisor: Supervisor | None = None,
) -> Result:
    """Run one command; engine failures, refusals and interruptions become a Result."""
    start = time.monotonic()
    progress = Progress(echo=echo, show_unchanged=options.show_unchanged)
    supervisor = supervisor or Supervisor(echo, grace=options.cancel_grace)
    env = stack_env(options, toolchain)
    backend_url = env["PULUMI_BACKEND_URL"]
    watched = list(options.endpoints) if command in TALKS_TO_CLUSTERS else []
    stack: auto.Stack | None = None
    outcome = Exit.OK
    note = ""
    try:
        with guarded(command, backend_url, options.project, options.stack, echo):
            if message := first_unreachable(watched):
                raise _Unreachable(message)
            stack = open_stack(options, toolchain, env, supervisor)
            with ApiWatch(watched, supervisor.abort):
                if command in RECOVERS:
                    recover(stack, echo, _targeted_refresh(stack, options, echo))
                dispatch(command, stack, options, progress)
    except (StackLocked, RunLockHeld) as refused:
        outcome = Exit.LOCKED
        progress.errors.append(str(refused))
    except _Unreachable as unreachable:
        outcome = Exit.FAILED
        progress.errors.append(str(unreachable))
    except (Interrupted, Aborted, auto.CommandError) as error:
        outcome = _classify(error, progress, options, supervisor)
        if outcome is Exit.LOCKED:
            progress.errors.append(_lock_refusal(backend_url, options, error))
        elif supervisor.aborted is not None:
            progress.errors[:] = [supervisor.aborted]  # the cause, not the engine's echo of it
        elif outcome is Exit.FAILED and (down := first_unreachable(watched)):
            progress.errors[:] = [down]  # the provider failed fast on a server that is gone
        elif outcome is Exit.FAILED and not progress.errors:
            progress.errors.append(str(error).strip()[-4000:])
    if outcome is Exit.INTERRUPTED:
        release_stale_locks(backend_url, options.project, options.stack, echo)
        note = _what_was_left(stack, supervisor)
    if outcome is Exit.OK and options.expect_no_changes and _changed(progress.changes):
        outcome = Exit.CHANGES
    outputs: dict[str, Any] = {}
    aborted = supervisor.aborted is not None  # no more CLI calls after an abort
    if stack is not None and not aborted and outcome in SHOWS_OUTPUTS and command in HAS_OUTPUTS:
        outputs = masked_outputs(stack)
    return Result(
        command=command,
        stack=options.stack,
        exit=outcome,
        changes=progress.changes,
        changed=tuple(progress.changed),
        findings=tuple(progress.findings),
        outputs=outputs,
        errors=tuple(progress.errors),
        seconds=time.monotonic() - start,
        note=note,
    )


def _targeted_refresh(
    stack: auto.Stack, options: Options, echo: Callable[[str], None]
) -> Callable[[list[str]], None]:
    def refresh(urns: list[str]) -> None:
        # Every looked-up resource gets a line: that is what the reconciliation did.
        looked_up = Progress(echo=echo, show_unchanged=True)
        stack.refresh(target=urns, **common_args(options, looked_up))

    return refresh


def _what_was_left(stack: auto.Stack | None, supervisor: Supervisor) -> str:
    """One line on how the interrupted command ended and what it left in progress."""
    name = signal.Signals(supervisor.received[0]).name
    if supervisor.terminated or stack is None:
        return (
            f"stopped at once ({name}); the state may hold operations left in progress: "
            "the next up reconciles them"
        )
    try:
        with supervisor.winding_down():
            left = left_in_progress(stack)
    except (Interrupted, auto.CommandError):
        return f"cancelled ({name}); the state could not be read back: the next up checks it"
    if not left:
        return f"cancelled ({name}); nothing was left in progress"
    return f"cancelled ({name}); left in progress: {', '.join(left)}; the next up reconciles them"


def _lock_refusal(backend_url: str, options: Options, error: Exception) -> str:
    """The CLI found a lock the guard had not seen (another run started meanwhile)."""
    backend = backend_dir(backend_url)
    locks = stack_locks(backend, options.project, options.stack) if backend else []
    if not locks:
        return str(error).strip()[-2000:]
    return refusal(locks[0], options.stack, this_host(), datetime.now(UTC))


def _changed(changes: dict[str, int]) -> bool:
    quiet = {op.value for op in QUIET_OPS}
    return any(n for op, n in changes.items() if op not in quiet)


def _classify(
    error: Exception, progress: Progress, options: Options, supervisor: Supervisor
) -> Exit:
    if supervisor.aborted is not None:
        return Exit.FAILED
    if supervisor.interrupted:
        return Exit.INTERRUPTED
    if isinstance(error, auto.ConcurrentUpdateError):
        return Exit.LOCKED
    if any(f.blocking for f in progress.findings):
        return Exit.POLICY
    if options.expect_no_changes and "no changes were expected" in str(error):
        return Exit.CHANGES
    return Exit.FAILED
