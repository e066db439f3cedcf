"""The file backend's stack locks: which are stale, which are live, and what to say.

The CLI writes `<backend>/.pulumi/locks/organization/<project>/<stack>/<id>.json`
(`{pid, username, hostname, timestamp}`, beside it a `.attrs` file) when an
update starts and deletes it when the update ends. A killed CLI never gets
to delete it, and every later command is refused. A lock whose owner ran on
this host and is gone (no such pid, or the pid now belongs to a process that
started after the lock was written) is stale and removed; any other lock is
reported with its owner, its age and the command that breaks it, and kept.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path

PROC = Path("/proc")
# The CLI writes the lock just after it starts; a process younger than the lock by more
# than this cannot be its writer.
START_SLACK = timedelta(seconds=2)


class Owner(Enum):
    """What this host can tell about a lock's owner."""

    GONE = "gone"  # on this host, no longer running: the lock is stale
    RUNNING = "running"  # on this host and running: never touch the lock
    ELSEWHERE = "elsewhere"  # another host: only a person can tell


@dataclass(frozen=True)
class StackLock:
    """One lock file and what it says about its writer."""

    path: Path
    pid: int
    username: str
    hostname: str
    timestamp: datetime

    @property
    def owner(self) -> str:
        return f"{self.username}@{self.hostname} (pid {self.pid})"

    def age(self, now: datetime) -> str:
        seconds = max(0, int((now - self.timestamp).total_seconds()))
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        if hours:
            return f"{hours}h{minutes:02d}m"
        return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def backend_dir(backend_url: str) -> Path | None:
    """The directory of a `file://` backend; None for any other backend."""
    if not backend_url.startswith("file://"):
        return None
    return Path(backend_url.removeprefix("file://")).expanduser()


def lock_dirs(backend: Path, project: str, stack: str) -> list[Path]:
    """Where the CLI puts the stack's locks: project-scoped layout, then the legacy one."""
    locks = backend / ".pulumi" / "locks"
    return [locks / "organization" / project / stack, locks / stack]


def parse_lock(path: Path) -> StackLock:
    data = json.loads(path.read_text(encoding="utf-8"))
    stamp = datetime.fromisoformat(str(data["timestamp"]).replace("Z", "+00:00"))
    return StackLock(
        path=path,
        pid=int(data["pid"]),
        username=str(data.get("username", "?")),
        hostname=str(data.get("hostname", "?")),
        timestamp=stamp.astimezone(UTC),
    )


def stack_locks(backend: Path, project: str, stack: str) -> list[StackLock]:
    """Every lock file of the stack; one that cannot be read counts as held by nobody known."""
    found: list[StackLock] = []
    for folder in lock_dirs(backend, project, stack):
        for path in sorted(folder.glob("*.json")):
            try:
                found.append(parse_lock(path))
            except (OSError, ValueError, KeyError, TypeError):
                found.append(StackLock(path, 0, "?", "?", datetime.fromtimestamp(0, UTC)))
    return found


def process_started(pid: int, proc: Path = PROC) -> datetime | None:
    """When process `pid` started (from /proc), or None when this cannot be read."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
        boot = next(
            int(line.split()[1])
            for line in (proc / "stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError):
        return None
    ticks = int(stat[stat.rindex(")") + 2 :].split()[19])  # field 22: starttime
    return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), UTC)


def pid_running(pid: int, proc: Path = PROC) -> bool:
    """Whether `pid` is a live process (a zombie has exited: only its parent has not
    collected it yet, and a killed CLI's new parent may take its time)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return True  # no /proc here: existing is all we can tell
    return stat[stat.rindex(")") + 2] != "Z"


def owner_state(lock: StackLock, hostname: str, proc: Path = PROC) -> Owner:
    if lock.hostname != hostname:
        return Owner.ELSEWHERE
    if not pid_running(lock.pid, proc):
        return Owner.GONE
    started = process_started(lock.pid, proc)
    if started is not None and started > lock.timestamp + START_SLACK:
        return Owner.GONE  # the pid was reused by a younger process
    return Owner.RUNNING


def this_host() -> str:
    """The name the CLI writes into its locks (Go's os.Hostname: the kernel's nodename)."""
    return socket.gethostname()


def remove(lock: StackLock) -> None:
    for path in (lock.path, lock.path.with_name(lock.path.name + ".attrs")):
        path.unlink(missing_ok=True)


def release_stale(
    locks: list[StackLock], echo: Callable[[str], None], hostname: str, now: datetime
) -> list[StackLock]:
    """Remove every lock whose owner is gone from this host, one line each; the rest stay."""
    kept: list[StackLock] = []
    for lock in locks:
        if owner_state(lock, hostname) is Owner.GONE:
            remove(lock)
            echo(
                f"==> removed a stale lock: {lock.owner} took it {lock.age(now)} ago "
                f"and is no longer running ({lock.path})"
            )
        else:
            kept.append(lock)
    return kept


def refusal(lock: StackLock, stack: str, hostname: str, now: datetime) -> str:
    """One message: who holds the lock, since when, and the exact way to end it."""
    held = (
        f"stack '{stack}' is locked by {lock.owner} since "
        f"{lock.timestamp:%Y-%m-%dT%H:%M:%SZ} ({lock.age(now)} ago)"
    )
    if owner_state(lock, hostname) is Owner.RUNNING:
        return (
            f"{held}, which is still running here: wait for it to finish, or cancel it with "
            f"`kill -INT {lock.pid}` (a second signal stops it at once); a live lock is "
            "never removed"
        )
    return (
        f"{held}, on another host: if nothing runs there any more, break the lock with "
        f"`make unlock STACK={stack}` (python -m gantry.driver unlock --stack {stack})"
    )
