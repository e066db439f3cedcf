"""A watchdog that stops the engine's processes when the driver dies without cleaning up.

SIGKILL (an out-of-memory kill, a CI runner's last resort) leaves the driver
no chance to stop the engine. So the driver starts this small process first,
in a session of its own, and keeps the only write end of a pipe to it. The
driver tells it which engine sessions are running; when the pipe reaches
end-of-file without the driver having said goodbye (the kernel closes it
when the driver dies, however it dies), it stops every process of those
sessions. A later command then finds a stale lock and pending operations,
which it knows how to recover; it never finds orphaned plugins.

Protocol, one line each: `watch SID`, `done SID`, `bye` (a clean exit).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from contextlib import suppress
from typing import IO

from .sessions import stop_session


def sessions_left(lines: Iterable[str]) -> set[int]:
    """The sessions still watched when the stream ended; none after `bye`."""
    watched: set[int] = set()
    for line in lines:
        verb, _, arg = line.strip().partition(" ")
        if verb == "watch":
            watched.add(int(arg))
        elif verb == "done":
            watched.discard(int(arg))
        elif verb == "bye":
            return set()
    return watched


def main() -> int:
    """Read the protocol from stdin until the driver closes it; stop what it left."""
    # The driver's terminal or process group may be signalled as a whole: outlive it.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    for session in sorted(sessions_left(sys.stdin)):
        stop_session(session, grace=1.0)
    return 0


class Reaper:
    """The driver's end: start the watchdog, tell it about each engine session."""

    def __init__(self) -> None:
        read_end, write_end = os.pipe()
        # Only this process holds the write end: the CLI and its plugins must not
        # inherit it, or the watchdog would wait for them too.
        os.set_inheritable(write_end, False)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "gantry.driver.reaper"],
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
        os.close(read_end)
        self._pipe: IO[str] = os.fdopen(write_end, "w", buffering=1)

    def _say(self, line: str) -> None:
        # BrokenPipeError: the watchdog is gone, and nothing more it could do for us.
        with suppress(BrokenPipeError, ValueError):
            self._pipe.write(line + "\n")

    def watch(self, session: int) -> None:
        self._say(f"watch {session}")

    def done(self, session: int) -> None:
        self._say(f"done {session}")

    def close(self) -> None:
        """A clean exit: the watchdog stops nothing and ends."""
        self._say("bye")
        with suppress(BrokenPipeError):
            self._pipe.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


if __name__ == "__main__":
    sys.exit(main())
