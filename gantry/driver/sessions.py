"""Every process the engine started, found by its session, and stopped together.

The engine puts each plugin in a process group of its own, so neither the
CLI's process group nor its children list finds them all once the CLI is
gone: a plugin whose CLI died is re-parented to init. The driver starts the
CLI as the leader of a new session instead; every plugin inherits that
session (none calls setsid), so the session id names the whole tree, alive
or orphaned. Linux only (/proc); elsewhere the session reads as empty.
"""

from __future__ import annotations

import os
import signal
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Member:
    """One process of a session: its pid and command name (`comm`)."""

    pid: int
    name: str


def parse_stat(text: str) -> tuple[str, int, int]:
    """(command name, process state, session id) from a `/proc/PID/stat` line.

    The name sits in parentheses and may itself hold spaces and parentheses,
    so the fields are counted from the last `)`.
    """
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # After the name: state, ppid, pgrp, session, ...
    return name, ord(fields[0][0]), int(fields[3])


def members(session: int, proc: Path = PROC) -> list[Member]:
    """The live processes of `session` (zombies excluded: they are already dead)."""
    found: list[Member] = []
    for entry in proc.glob("[0-9]*"):
        try:
            name, state, sid = parse_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not a process directory
        if sid == session and state != ord("Z"):
            found.append(Member(pid=int(entry.name), name=name))
    return sorted(found, key=lambda m: m.pid)


def send(pid: int, signum: int) -> None:
    """Signal one process; one that has exited meanwhile is not an error."""
    with suppress(ProcessLookupError):
        os.kill(pid, signum)


def signal_all(targets: list[Member], signum: int) -> None:
    for member in targets:
        send(member.pid, signum)


def stop_session(session: int, grace: float = 3.0, proc: Path = PROC) -> list[Member]:
    """SIGTERM every member of `session`, SIGKILL what is left after `grace` seconds.

    Returns the members found at first, so the caller can say what it stopped.
    """
    first = members(session, proc)
    if not first:
        return []
    signal_all(first, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not members(session, proc):
            return first
        time.sleep(0.1)
    signal_all(members(session, proc), signal.SIGKILL)
    deadline = time.monotonic() + grace
    while members(session, proc) and time.monotonic() < deadline:
        time.sleep(0.1)
    return first
