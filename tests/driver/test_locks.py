"""Stack locks in the file backend: stale ones go, live ones stay and are named, drivers exclude
each other.

Lock files are written in the CLI's own format and place
(`.pulumi/locks/organization/<project>/<stack>/<id>.json` and its `.attrs`);
owners are real processes of this machine, alive or gone.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gantry.driver.__main__ import main
from gantry.driver.guard import StackLocked, guarded, unlock
from gantry.driver.locks import Owner, owner_state, parse_lock, stack_locks
from gantry.driver.results import Exit
from gantry.driver.runlock import RunLockHeld, exclusive, run_lock_path

HOST = socket.gethostname()


def _ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def _write_lock(backend: Path, pid: int, host: str = HOST, when: datetime | None = None) -> Path:
    when = when or datetime.now(UTC)
    folder = backend / ".pulumi" / "locks" / "organization" / "gantry" / "local"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"lock-{pid}-{host}.json"
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    path.write_text(
        json.dumps({"pid": pid, "username": "ci", "hostname": host, "timestamp": stamp})
    )
    path.with_name(path.name + ".attrs").write_text("{}")
    return path


def _dead_pid() -> int:
    done = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_a_lock_of_a_process_gone_from_this_host_is_removed_and_said(tmp_path: Path) -> None:
    path = _write_lock(tmp_path, _dead_pid(), when=_ago(minutes=4))
    said: list[str] = []
    with guarded("up", tmp_path.as_uri(), "gantry", "local", said.append):
        assert not path.exists()
        assert not path.with_name(path.name + ".attrs").exists()
    assert len(said) == 1
    assert "removed a stale lock" in said[0]
    assert "ci@" in said[0]
    assert "4m0" in said[0], "its age"


def test_a_live_lock_is_kept_and_the_refusal_names_owner_age_and_the_way_out(
    tmp_path: Path,
) -> None:
    # pid 1 runs here and started before any lock: a live owner with an age.
    path = _write_lock(tmp_path, 1, when=_ago(seconds=90))
    with (
        pytest.raises(StackLocked) as refused,
        guarded("up", tmp_path.as_uri(), "gantry", "local", print),
    ):
        pytest.fail("must not run")
    message = str(refused.value)
    assert path.exists(), "a live lock is never removed"
    assert f"ci@{HOST} (pid 1)" in message
    assert "(1m30s ago)" in message or "(1m31s ago)" in message
    assert "kill -INT 1`" in message


def test_a_lock_from_another_host_is_kept_and_names_make_unlock(tmp_path: Path) -> None:
    path = _write_lock(tmp_path, 1, host="builder-7", when=_ago(hours=2, minutes=5))
    with (
        pytest.raises(StackLocked) as refused,
        guarded("destroy", tmp_path.as_uri(), "gantry", "local", print),
    ):
        pytest.fail("must not run")
    assert path.exists()
    assert "ci@builder-7 (pid 1)" in str(refused.value)
    assert "(2h05m ago)" in str(refused.value)
    assert "make unlock STACK=local" in str(refused.value)


def test_a_preview_runs_beside_a_live_lock(tmp_path: Path) -> None:
    _write_lock(tmp_path, os.getpid())
    ran = False
    with guarded("preview", tmp_path.as_uri(), "gantry", "local", print):
        ran = True
    assert ran


def test_a_reused_pid_does_not_keep_a_lock_alive(tmp_path: Path) -> None:
    # Our own pid, but the lock was written a day before this process started.
    path = _write_lock(tmp_path, os.getpid(), when=_ago(days=1))
    assert owner_state(parse_lock(path), HOST) is Owner.GONE
    assert owner_state(parse_lock(_write_lock(tmp_path, os.getpid())), HOST) is Owner.RUNNING


def test_a_zombie_owner_has_exited(tmp_path: Path) -> None:
    # A killed CLI is a zombie until its new parent collects it: it runs no more.
    child = subprocess.Popen(["true"])
    stat = Path(f"/proc/{child.pid}/stat")
    deadline = time.monotonic() + 10
    while "Z" not in stat.read_text().rpartition(")")[2][:3] and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert owner_state(parse_lock(_write_lock(tmp_path, child.pid)), HOST) is Owner.GONE
    finally:
        child.wait()


def test_unlock_breaks_foreign_and_stale_locks_but_never_a_live_one(tmp_path: Path) -> None:
    live = _write_lock(tmp_path, os.getpid())
    _write_lock(tmp_path, 1, host="builder-7")
    _write_lock(tmp_path, _dead_pid())
    said: list[str] = []
    assert unlock(tmp_path, "gantry", "local", said.append) is False
    assert [lock.path for lock in stack_locks(tmp_path, "gantry", "local")] == [live]
    assert sum("removed the lock" in line for line in said) == 2
    assert any("never removed" in line for line in said)
    live.unlink()
    assert unlock(tmp_path, "gantry", "local", said.append) is True


def test_make_unlock_runs_the_driver_on_the_configured_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_lock(tmp_path, 1, host="builder-7")
    monkeypatch.setenv("PULUMI_BACKEND_URL", tmp_path.as_uri())
    assert main(["unlock", "--stack", "local"]) == Exit.OK
    assert stack_locks(tmp_path, "gantry", "local") == []
    _write_lock(tmp_path, os.getpid())
    assert main(["unlock", "--stack", "local"]) == Exit.LOCKED


HOLDER = """
import sys, time
from pathlib import Path
from gantry.driver.runlock import exclusive
with exclusive(Path(sys.argv[1]), "gantry", "local", "up"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_second_driver_is_refused_while_one_runs_and_admitted_once_it_is_gone(
    tmp_path: Path,
) -> None:
    repo = Path(__file__).resolve().parents[2]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], cwd=repo, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunLockHeld) as refused, exclusive(tmp_path, "gantry", "local", "up"):
            pytest.fail("must not run")
        message = str(refused.value)
        assert f"pid {holder.pid}" in message
        assert "python -m gantry.driver up --stack local" in message
        assert f"kill -INT {holder.pid}" in message
    finally:
        holder.kill()  # SIGKILL: the lock must not outlive it
        holder.wait()
    time.sleep(0.1)
    with exclusive(tmp_path, "gantry", "local", "up"):
        held = json.loads(run_lock_path(tmp_path, "gantry", "local").read_text())
        assert held["pid"] == os.getpid()
    assert run_lock_path(tmp_path, "gantry", "local").read_text() == "", "emptied on release"
