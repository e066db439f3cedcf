"""`python -m localcluster start|stop|status|kubeconfig|reset|reach|chart-images`
(scripts/local-cluster.sh)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from . import chart_images
from .cluster import log, reach, start, status, stop
from .preflight import PreflightError
from .process import StartError
from .settings import ClusterSettings, SettingsError

COMMANDS = ("start", "stop", "status", "kubeconfig", "reset", "reach", "chart-images")
USAGE = f"usage: local-cluster.sh {'|'.join(COMMANDS)}"


def _print_lines(lines: Callable[[ClusterSettings], list[str]], s: ClusterSettings) -> int:
    """The commands that print one line per item: `reach` and `chart-images`."""
    try:
        for line in lines(s):
            print(line)
    except RuntimeError as err:
        print(f"[cluster] error: {err}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:  # noqa: PLR0911 - one exit code per command
    if len(argv) != 1 or argv[0] not in COMMANDS:
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
    if command in ("reach", "chart-images"):
        return _print_lines(reach if command == "reach" else chart_images.push_all, s)
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
