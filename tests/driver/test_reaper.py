"""The watchdog and the session lookup: what survives a driver killed with SIGKILL.

A stand-in driver (a Python process using `Reaper` as the real one does)
starts a session with a "plugin" in its own process group, tells the
watchdog, and is killed with SIGKILL; every process of that session must be
gone soon after. After a clean goodbye the watchdog touches nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from gantry.driver.reaper import sessions_left
from gantry.driver.sessions import members, parse_stat, stop_session

REPO = Path(__file__).resolve().parents[2]
# The stand-in driver: a session (leader + a plugin in its own group), the watchdog told,
# the pids printed, then it waits to be killed or says goodbye when told to on stdin.
DRIVER = """
import subprocess, sys, time
from gantry.driver.reaper import Reaper
reaper = Reaper()
plugin = "import time; time.sleep(120)"
code = (
    "import subprocess, sys, time; "
    f"subprocess.Popen([sys.executable, '-c', {plugin!r}], process_group=0); time.sleep(120)"
)
leader = subprocess.Popen(
    [sys.executable, "-c", code], start_new_session=True, stdout=subprocess.DEVNULL
)
reaper.watch(leader.pid)
time.sleep(1.0)
print(leader.pid, flush=True)
if sys.stdin.readline().strip() == "bye":
    reaper.done(leader.pid)
    reaper.close()
    print("closed", flush=True)
    time.sleep(120)
"""


def _wait_until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def _driver() -> tuple[subprocess.Popen[str], int]:
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert driver.stdout is not None
    session = int(driver.stdout.readline())
    assert _wait_until(lambda: len(members(session)) == 2, 10), members(session)
    return driver, session


def test_sigkill_of_the_driver_stops_every_process_of_the_engines_session() -> None:
    driver, session = _driver()
    driver.kill()
    driver.communicate(timeout=30)
    assert _wait_until(lambda: members(session) == [], 15), members(session)


def test_after_a_clean_goodbye_the_watchdog_stops_nothing() -> None:
    driver, session = _driver()
    assert driver.stdin is not None
    assert driver.stdout is not None
    driver.stdin.write("bye\n")
    driver.stdin.flush()
    assert driver.stdout.readline().strip() == "closed"
    driver.kill()
    driver.communicate(timeout=30)
    try:
        time.sleep(1.5)
        assert len(members(session)) == 2, "the session the driver said was done is left alone"
    finally:
        stop_session(session, grace=1.0)


def test_the_protocol_keeps_only_sessions_not_done() -> None:
    assert sessions_left(["watch 10\n", "watch 11\n", "done 10\n"]) == {11}
    assert sessions_left(["watch 10\n", "bye\n"]) == set()
    assert sessions_left([]) == set()


def test_stat_lines_with_odd_command_names_parse() -> None:
    line = "4242 (a) b (c)) S 1 4242 4200 0 -1 4194560 0 0"
    assert parse_stat(line) == ("a) b (c)", ord("S"), 4200)


def test_stop_session_signals_each_member_and_escalates(tmp_path: Path) -> None:
    # A leader that ignores SIGTERM: the grace runs out and SIGKILL follows.
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    leader = subprocess.Popen(
        [sys.executable, "-c", code], start_new_session=True, stdout=subprocess.DEVNULL
    )
    assert _wait_until(lambda: members(leader.pid) != [], 5)
    time.sleep(0.5)  # let it install the handler
    stopped = stop_session(leader.pid, grace=0.5)
    leader.wait(timeout=5)
    assert [m.pid for m in stopped] == [leader.pid]
    assert leader.returncode == -signal.SIGKILL
    assert members(os.getsid(0)) != [], "our own session is not touched"
