"""Before a command touches a stack: one driver at a time, no stale lock, no live one broken.

Commands that change the state (up, refresh, destroy) hold the driver's run
lock and refuse to start while a live CLI lock exists; every command first
removes the locks whose owner is gone from this host. `unlock` is the
explicit way out for a lock taken on another host.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from .locks import (
    Owner,
    StackLock,
    backend_dir,
    owner_state,
    refusal,
    release_stale,
    remove,
    stack_locks,
    this_host,
)
from .runlock import exclusive

CHANGES_STATE = frozenset({"up", "refresh", "destroy"})


class StackLocked(Exception):  # noqa: N818 - a refusal, named for what the caller sees
    """The stack is locked by a live or unknown owner; the message names it and the way out."""


def _now() -> datetime:
    return datetime.now(UTC)


def release_stale_locks(
    backend_url: str, project: str, stack: str, echo: Callable[[str], None]
) -> list[StackLock]:
    """Remove the stack's stale locks; the locks that remain."""
    backend = backend_dir(backend_url)
    if backend is None:
        return []
    return release_stale(stack_locks(backend, project, stack), echo, this_host(), _now())


@contextmanager
def guarded(
    command: str, backend_url: str, project: str, stack: str, echo: Callable[[str], None]
) -> Iterator[None]:
    """Run the block under the stack's run lock (for commands that change the state), after
    removing stale locks; `StackLocked`/`RunLockHeld` when another owner holds the stack."""
    backend = backend_dir(backend_url)
    with ExitStack() as held:
        if backend is not None and command in CHANGES_STATE:
            held.enter_context(exclusive(backend, project, stack, command))
        remaining = release_stale_locks(backend_url, project, stack, echo)
        if remaining and command in CHANGES_STATE:
            raise StackLocked(refusal(remaining[0], stack, this_host(), _now()))
        yield


def unlock(backend: Path, project: str, stack: str, echo: Callable[[str], None]) -> bool:
    """Break the stack's locks except those of a process still running here; True when
    none is left."""
    host, now = this_host(), _now()
    left = False
    for lock in stack_locks(backend, project, stack):
        if owner_state(lock, host) is Owner.RUNNING:
            echo(f"error: {refusal(lock, stack, host, now)}")
            left = True
            continue
        remove(lock)
        echo(f"==> removed the lock of {lock.owner}, taken {lock.age(now)} ago ({lock.path})")
    return not left
