"""One driver at a time per stack and backend, with a lock that cannot go stale.

The CLI's own lock covers one CLI command; a driver's `up` is several (the
recovery of pending operations edits the state before the update starts),
and a second driver must not start recovering the pending operations of an
update that is still running. So the driver holds an exclusive `flock` on
`<backend>/.gantry/<project>/<stack>.lock` for the whole command. The
kernel drops it when the process ends, however it ends: it is never stale.
The file says who holds it, for the message the next driver prints.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


class RunLockHeld(Exception):  # noqa: N818 - a refusal, named for what the caller sees
    """Another driver runs a command on the stack; the message names it."""


def run_lock_path(backend: Path, project: str, stack: str) -> Path:
    return backend / ".gantry" / project / f"{stack}.lock"


def describe_holder(text: str, stack: str, now: datetime) -> str:
    """The refusal for the holder the lock file describes (it may still be empty)."""
    try:
        holder = json.loads(text)
        started = datetime.fromisoformat(holder["started"])
        seconds = int((now - started).total_seconds())
        who = f"`{holder['command']}` (pid {holder['pid']} on {holder['host']})"
        since = f" since {holder['started']} ({seconds}s ago)"
        stop = f"`kill -INT {holder['pid']}`"
    except (ValueError, KeyError, TypeError):
        who, since, stop = "another gantry driver", "", "Ctrl-C in its terminal"
    return (
        f"stack '{stack}' is in use by {who}{since}: wait for it to finish, or cancel it "
        f"with {stop} (a second signal stops it at once)"
    )


@contextmanager
def exclusive(backend: Path, project: str, stack: str, command: str) -> Iterator[None]:
    """Hold the stack's run lock for the block; `RunLockHeld` when another driver does."""
    path = run_lock_path(backend, project, stack)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = path.read_text(encoding="utf-8")
            raise RunLockHeld(describe_holder(text, stack, datetime.now(UTC))) from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": f"python -m gantry.driver {command} --stack {stack}",
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing drops the flock
