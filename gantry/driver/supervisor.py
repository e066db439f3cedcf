"""SIGINT and SIGTERM as the Pulumi CLI handles Ctrl-C, for a driver that runs the CLI.

The CLI cancels on its first SIGINT or SIGTERM (no new steps; those in flight
finish, the state is written, the lock released, the plugins stopped) and
terminates on the second. `Stack.cancel()` is no substitute: with the file
backend it runs `pulumi cancel`, which deletes the lock files and leaves the
engine running. So the driver starts each CLI as the leader of its own
session, which a terminal's Ctrl-C does not reach, and forwards each signal
it gets to that CLI, exactly once. When the cancel takes longer than the
grace period, the driver sends the second signal itself; after a second
signal it stops the whole session within seconds. Whatever the CLI leaves
running in its session when it exits is stopped too, so no plugin outlives
the driver; `Reaper` covers the one case the driver cannot, its own SIGKILL.
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from .reaper import Reaper
from .sessions import Member, send, stop_session

HANDLED = (signal.SIGINT, signal.SIGTERM)
KILL_AFTER_SECOND = 3.0


class Interrupted(Exception):  # noqa: N818 - an event, not an error
    """A signal arrived while no engine command was running: stop here."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Aborted(Exception):  # noqa: N818 - an event, not an error
    """The driver itself cancelled the run (an outage); the message says why."""


class Supervisor:
    """Starts engine commands, forwards signals to the running one, cleans up after each.

    `grace`: seconds the engine may take to cancel before it is told to stop at once.
    `echo`: where the driver's own lines go (one per event, for people and CI logs).
    """

    def __init__(
        self, echo: Callable[[str], None], grace: float, reaper: Reaper | None = None
    ) -> None:
        self.echo = echo
        self.grace = grace
        self.reaper = reaper
        self.received: list[int] = []
        self.stopped: list[Member] = []
        self._process: subprocess.Popen[str] | None = None
        # Reentrant: the signal handler runs on the main thread, which may hold it.
        self._lock = threading.RLock()
        self._timers: list[threading.Timer] = []
        self._previous: dict[int, Any] = {}
        self._escalated = False
        self._winding_down = False
        self._starting = False
        self.aborted: str | None = None

    @property
    def interrupted(self) -> bool:
        return bool(self.received)

    @property
    def terminated(self) -> bool:
        """Stopped at once: a second signal, or a cancel that outlasted the grace period."""
        return len(self.received) > 1 or self._escalated

    def install(self) -> None:
        for signum in HANDLED:
            self._previous[signum] = signal.signal(signum, self._on_signal)

    def uninstall(self) -> None:
        self._cancel_timers()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    @contextmanager
    def winding_down(self) -> Iterator[None]:
        """Commands that read back what an interrupted run left may still start here."""
        self._winding_down = True
        try:
            yield
        finally:
            self._winding_down = False

    def start(self, argv: list[str], cwd: str, env: dict[str, str]) -> subprocess.Popen[str]:
        """Start one engine command in a new session; refuse once the run is interrupted."""
        if self.aborted is not None:
            raise Aborted(self.aborted)
        if self.received and not self._winding_down:
            raise Interrupted(self.received[0])
        seen = len(self.received)
        # Until the process is registered, a signal is only noted (raising here could
        # leave a CLI running that nobody watches); it is forwarded right after.
        self._starting = True
        try:
            process = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                encoding="utf-8",
                start_new_session=True,
            )
            if self.reaper is not None:
                self.reaper.watch(process.pid)
            with self._lock:
                self._process = process
                arrived = self.received[seen:]
        finally:
            self._starting = False
        for signum in arrived:
            self._forward(process, signum)
        return process

    def finish(self, process: subprocess.Popen[str]) -> None:
        """After the command exited: stop whatever it left in its session."""
        self._cancel_timers()  # they act on this command's session, which ends here
        left = stop_session(process.pid)
        if left:
            self.stopped.extend(left)
            names = ", ".join(f"{m.name} ({m.pid})" for m in left)
            self.echo(f"==> stopped {len(left)} process(es) the engine left running: {names}")
        if self.reaper is not None:
            self.reaper.done(process.pid)
        with self._lock:
            self._process = None
        self._cancel_timers()

    def abort(self, reason: str) -> None:
        """Cancel the run for a reason of the driver's own, as a first signal would; no
        command starts after it. Safe to call from another thread."""
        self.aborted = reason
        with self._lock:
            process = self._process
        if process is not None and process.returncode is None:
            send(process.pid, signal.SIGINT)
            self._later(self.grace, self._escalate, process)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.received.append(signum)
        name = signal.Signals(signum).name
        with self._lock:
            process = self._process
        if len(self.received) == 1:
            self._say(
                f"==> {name}: cancelling; operations in flight may take up to "
                f"{self.grace:.0f}s to finish (send {name} again to stop at once)"
            )
        else:
            self._say(f"==> {name} again: stopping the engine and its plugins now")
        if process is not None:
            self._forward(process, signum)
        elif not self._starting:
            raise Interrupted(signum)

    def _say(self, line: str) -> None:
        """Print from a thread of its own: the handler may have interrupted the main thread
        in the middle of a print, and writing to the same stream there would fail."""
        threading.Thread(target=self.echo, args=(line,), daemon=True).start()

    def _forward(self, process: subprocess.Popen[str], signum: int) -> None:
        """The CLI's own rule: first signal cancels, second terminates."""
        if process.returncode is not None:
            return  # already collected: its pid may belong to another process now
        send(process.pid, signum)
        if len(self.received) == 1:
            self._later(self.grace, self._escalate, process)
        else:
            self._later(KILL_AFTER_SECOND, stop_session, process.pid, 1.0)

    def _escalate(self, process: subprocess.Popen[str]) -> None:
        if process.poll() is not None:
            return
        self._escalated = True
        self.echo(f"==> the cancel took longer than {self.grace:.0f}s: stopping the engine now")
        send(process.pid, signal.SIGTERM)
        self._later(KILL_AFTER_SECOND, stop_session, process.pid, 1.0)

    def _cancel_timers(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()

    def _later(self, seconds: float, action: Callable[..., object], *args: object) -> None:
        timer = threading.Timer(seconds, action, args)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()
