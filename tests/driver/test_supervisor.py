"""SIGINT/SIGTERM handling and process cleanup, against a fake CLI that behaves like the real one.

The fake (fake_pulumi.py) starts a plugin in a process group of its own, as
the engine does, so these tests show what matters: the CLI gets each signal
once, a second signal or an overlong cancel ends it, and no process of its
session survives the command, whatever the CLI did.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi.automation import CommandError

from gantry.driver.cli import SupervisedPulumiCommand, cli_argv
from gantry.driver.sessions import members
from gantry.driver.supervisor import Interrupted, Supervisor

FAKE = Path(__file__).with_name("fake_pulumi.py")


class Fake:
    """A fake CLI installed as `root/bin/pulumi`, and what it wrote."""

    def __init__(self, tmp: Path, mode: str) -> None:
        self.root = tmp / "root"
        binary = self.root / "bin" / "pulumi"
        binary.parent.mkdir(parents=True)
        binary.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE}" "$@"\n')
        binary.chmod(0o755)
        self.log = tmp / "signals.log"
        self.plugin_file = tmp / "plugin.pid"
        self.env = {
            "FAKE_MODE": mode,
            "FAKE_LOG": str(self.log),
            "FAKE_PLUGIN_PID": str(self.plugin_file),
        }

    def signals(self) -> list[str]:
        return self.log.read_text().split() if self.log.exists() else []

    def plugin_pid(self) -> int:
        return int(self.plugin_file.read_text())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its parent has not collected it yet.
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2] != "Z"


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def supervisor(lines: list[str]) -> Iterator[Supervisor]:
    sup = Supervisor(lines.append, grace=30.0)
    sup.install()
    try:
        yield sup
    finally:
        sup.uninstall()


def _signal_when_ready(fake: Fake, signums: list[int], gap: float = 0.3) -> threading.Thread:
    """Signal this process (as a terminal or CI runner would) once the fake CLI runs."""

    def send() -> None:
        deadline = time.monotonic() + 30
        while not fake.plugin_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        for signum in signums:
            os.kill(os.getpid(), signum)
            time.sleep(gap)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def _run(fake: Fake, supervisor: Supervisor, tmp: Path) -> CommandError:
    command = SupervisedPulumiCommand(fake.root, supervisor)
    with pytest.raises(CommandError) as failed:
        command.run(["up", "--yes"], str(tmp), fake.env)
    return failed.value


def test_the_cli_gets_the_signal_once_and_its_session_ends_with_it(
    tmp_path: Path, supervisor: Supervisor, lines: list[str]
) -> None:
    fake = Fake(tmp_path, "graceful")
    sender = _signal_when_ready(fake, [signal.SIGTERM])
    _run(fake, supervisor, tmp_path)
    sender.join()
    assert fake.signals() == ["SIGTERM"], "forwarded exactly once"
    assert supervisor.received == [signal.SIGTERM]
    assert not supervisor.terminated
    assert not _alive(fake.plugin_pid())
    assert any("SIGTERM: cancelling" in line for line in lines), lines


def test_a_second_signal_ends_the_cli_and_the_plugins_it_abandoned(
    tmp_path: Path, supervisor: Supervisor, lines: list[str]
) -> None:
    fake = Fake(tmp_path, "abandon")
    sender = _signal_when_ready(fake, [signal.SIGINT, signal.SIGINT])
    started = time.monotonic()
    _run(fake, supervisor, tmp_path)
    sender.join()
    assert time.monotonic() - started < 15
    assert fake.signals() == ["SIGINT", "SIGINT"]
    assert supervisor.terminated
    plugin = fake.plugin_pid()
    assert not _alive(plugin), "the plugin the CLI left behind was stopped"
    assert [m.pid for m in supervisor.stopped] == [plugin]
    assert any("stopped 1 process(es)" in line for line in lines), lines


def test_a_cancel_longer_than_the_grace_period_is_ended(tmp_path: Path, lines: list[str]) -> None:
    fake = Fake(tmp_path, "stubborn")
    sup = Supervisor(lines.append, grace=0.5)
    sup.install()
    try:
        sender = _signal_when_ready(fake, [signal.SIGINT])
        started = time.monotonic()
        _run(fake, sup, tmp_path)
        sender.join()
    finally:
        sup.uninstall()
    assert time.monotonic() - started < 15
    # The grace ran out: the CLI's second signal, then the session was stopped.
    assert fake.signals()[:2] == ["SIGINT", "SIGTERM"]
    assert sup.terminated
    assert not _alive(fake.plugin_pid())
    assert any("the cancel took longer than" in line for line in lines), lines


def test_a_signal_between_commands_stops_the_run(supervisor: Supervisor) -> None:
    with pytest.raises(Interrupted) as stopped:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)  # the handler raises in this thread as soon as it runs
    assert stopped.value.signum == signal.SIGINT
    with pytest.raises(Interrupted):
        supervisor.start(["true"], "/", {})


def test_reading_back_is_allowed_while_winding_down(supervisor: Supervisor) -> None:
    with pytest.raises(Interrupted):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)
    with supervisor.winding_down():
        process = supervisor.start(["true"], "/", dict(os.environ))
        process.communicate()
        supervisor.finish(process)
    assert process.returncode == 0


def test_every_command_runs_in_a_session_of_its_own(tmp_path: Path) -> None:
    sup = Supervisor(lambda _: None, grace=1.0)
    process = sup.start(["sleep", "30"], str(tmp_path), dict(os.environ))
    try:
        assert os.getsid(process.pid) == process.pid
        assert [m.pid for m in members(process.pid)] == [process.pid]
    finally:
        process.kill()
        process.communicate()
        sup.finish(process)


def test_the_cli_is_always_non_interactive_and_before_any_separator() -> None:
    assert cli_argv("pulumi", ["up", "--yes"]) == ["pulumi", "--non-interactive", "up", "--yes"]
    assert cli_argv("pulumi", ["--non-interactive", "up"]) == ["pulumi", "--non-interactive", "up"]
    assert cli_argv("p", ["x", "--", "--non-interactive"]) == [
        "p",
        "--non-interactive",
        "x",
        "--",
        "--non-interactive",
    ]


def test_output_reaches_the_callbacks_line_by_line(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    script = root / "bin" / "pulumi"
    script.write_text(
        '#!/bin/sh\n[ "$1" = version ] && { echo v3.274.1; exit 0; }\n'
        "echo one; echo two; echo oops >&2; exit 0\n"
    )
    script.chmod(0o755)
    command = SupervisedPulumiCommand(root, Supervisor(lambda _: None, grace=1.0))
    out: list[str] = []
    result = command.run(["stack", "ls"], str(tmp_path), {}, on_output=out.append)
    assert out == ["one", "two"]
    assert (result.stdout, result.stderr, result.code) == ("one\ntwo", "oops", 0)
