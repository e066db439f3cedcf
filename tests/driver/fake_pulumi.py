"""A stand-in for the Pulumi CLI with the process behaviour the supervisor must handle.

Like the real CLI it starts a "plugin" in a process group of its own and
answers `version`. `FAKE_MODE` says what it does with SIGINT/SIGTERM:

- `graceful`: the first signal stops the plugin and exits 255, like a cancel;
- `abandon`: the first signal is noted, the second exits at once and leaves
  the plugin running (what a terminated CLI can do);
- `stubborn`: signals are noted and otherwise ignored until SIGKILL.

Every signal received is appended to `FAKE_LOG`; the plugin's pid goes to
`FAKE_PLUGIN_PID` once it runs, which is when the fake is ready.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

PLUGIN = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(120)\n"


def main() -> int:
    if sys.argv[1:2] == ["version"] or sys.argv[2:3] == ["version"]:
        print("v3.274.1")
        return 0
    mode = os.environ["FAKE_MODE"]
    log = Path(os.environ["FAKE_LOG"])
    plugin = subprocess.Popen([sys.executable, "-c", PLUGIN], process_group=0)
    received: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        with log.open("a") as out:
            out.write(f"{signal.Signals(signum).name}\n")
        if mode == "graceful":
            plugin.kill()
            plugin.wait()
            sys.exit(255)
        if mode == "abandon" and len(received) > 1:
            os._exit(255)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print("running", flush=True)
    Path(os.environ["FAKE_PLUGIN_PID"]).write_text(str(plugin.pid))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
