"""`python -m localcluster start|stop|status|kubeconfig|reset` (scripts/local-cluster.sh)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .cluster import log, reach, start, status, stop
from .preflight import PreflightError
from .process import StartError
from .settings import ClusterSettings, SettingsError

USAGE = "usage: local-cluster.sh start|stop|status|kubeconfig|reset|reach"


def main(argv: list[str]) -> int:  # noqa: PLR0911 - one exit code per command
    if len(argv) != 1 or argv[0] not in ("start", "stop", "status", "kubeconfig", "reset", "reach"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        s = ClusterSettings.from_env(os.environ, Path(__file__).resolve().parents[1])
    except SettingsError as err:
        print(f"[cluster] error: {err}", file=sys.stderr)
        return 2
    command = argv[0]
    if command == "kubeconfig":
        print(s.admin_kubeconfig)
        return 0
    if command == "reach":
        for line in reach(s):
            print(line)
        return 0
    if command == "status":
        ok = status(s)
        log(f"running: {s.server} (kubeconfig {s.admin_kubeconfig})" if ok else "not running")
        return 0 if ok else 1
    if command == "start":
        try:
            start(s)
        except (PreflightError, StartError, RuntimeError, OSError) as err:
            print(f"[cluster] error: {err}", file=sys.stderr)
            return 1
        return 0
    errors = stop(s)
    if command == "reset" and not errors:
        shutil.rmtree(s.dir, ignore_errors=True)
        log(f"deleted {s.dir}")
    for error in errors:
        print(f"[cluster] error: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
