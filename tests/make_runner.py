"""Run the repository's Makefile from a test, as a user's shell would.

The parent's MAKE* variables are dropped so that a test started from `make test`
does not inherit its flags (jobs, output sync, silent mode).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def run_make(root: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """`make --no-print-directory ARGS` in `root`, output captured, never raising on failure."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
