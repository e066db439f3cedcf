"""One process of the cluster: started detached, found again by its pid file, stopped by pid.

A pid file is trusted only while that pid runs the binary this package
started (its /proc exe), so a recycled pid is never signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class StartError(RuntimeError):
    """A unit did not start or did not become ready; the message says which and where to look."""


def exe_of(pid: int) -> str | None:
    try:
        return str(Path(f"/proc/{pid}/exe").readlink())
    except OSError:
        return None


def wait_until(check: Callable[[], bool], seconds: float, interval: float = 0.5) -> bool:
    """Poll CHECK until it is true or SECONDS pass (bounded, never forever)."""
    deadline = time.monotonic() + seconds
    while True:
        # A check that raises (a refused connection, a 503) is a check not yet true.
        with contextlib.suppress(Exception):
            if check():
                return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


@dataclass(frozen=True)
class Unit:
    """A long-running process of the cluster."""

    name: str
    binary: Path
    argv: Sequence[str]
    """The full command; its last exec must be BINARY (a wrapper such as unshare may come first)."""
    state_dir: Path
    ready: Callable[[], bool] = field(default=lambda: True)
    ready_seconds: float = 60
    env: Mapping[str, str] | None = None

    @property
    def pidfile(self) -> Path:
        return self.state_dir / f"{self.name}.pid"

    @property
    def logfile(self) -> Path:
        return self.state_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        """Our pid if the process runs our binary, else None."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if exe_of(pid) == str(self.binary) else None

    def start(self) -> bool:
        """Start unless running; wait until ready. True when this call started it."""
        started = False
        if self.pid() is None:
            if not self.binary.is_file():
                raise StartError(f"{self.binary} is missing: run scripts/bootstrap.sh cluster")
            with self.logfile.open("ab") as log:
                # A session of its own: the cluster outlives this command and its terminal.
                proc = subprocess.Popen(
                    list(self.argv),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    env=dict(self.env) if self.env is not None else None,
                )
            self.pidfile.write_text(f"{proc.pid}\n")
            started = True
            # A wrapper execs into the binary; wait for that, or for the process to die.
            wait_until(
                lambda: exe_of(proc.pid) == str(self.binary) or proc.poll() is not None, 10, 0.05
            )
            if proc.poll() is not None:
                raise StartError(
                    f"{self.name} exited at start (code {proc.returncode}); see {self.logfile}:\n"
                    + _tail(self.logfile)
                )
        if not wait_until(self.ready, self.ready_seconds):
            raise StartError(
                f"{self.name} not ready within {self.ready_seconds:.0f}s; see {self.logfile}:\n"
                + _tail(self.logfile)
            )
        return started

    def stop(self, grace_seconds: float = 10) -> int | None:
        """SIGTERM, then SIGKILL after GRACE_SECONDS. Returns the pid it stopped, if any."""
        pid = self.pid()
        if pid is not None:
            _signal(pid, signal.SIGTERM)
            if not wait_until(lambda: exe_of(pid) is None, grace_seconds, 0.1):
                _signal(pid, signal.SIGKILL)
                wait_until(lambda: exe_of(pid) is None, 5, 0.1)
        self.pidfile.unlink(missing_ok=True)
        return pid


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
