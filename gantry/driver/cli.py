"""The Pulumi CLI as the Automation API runs it, but started and watched by the `Supervisor`.

`LocalWorkspace(pulumi_command=...)` sends every CLI call (stack select,
config, up, outputs, ...) through `PulumiCommand.run`; this subclass keeps
that contract (non-interactive, the SDK's marker variable, the CLI's own
directory first on PATH so that the plugins beside it are found, one line
per callback, `CommandError` on a non-zero exit) and lets the supervisor
start each CLI in its own session and clean up after it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from pulumi import automation as auto
from pulumi.automation.errors import create_command_error

from .supervisor import Supervisor

OnLine = Callable[[str], Any]
PIPE_DRAIN_SECONDS = 5.0


def cli_argv(command: str, args: list[str]) -> list[str]:
    """`command --non-interactive ARGS`: the flag before any `--`, so it never reads as an arg."""
    head = args[: args.index("--")] if "--" in args else args
    flag = [] if "--non-interactive" in head else ["--non-interactive"]
    return [command, *flag, *args]


def _pump(stream: IO[str], callback: OnLine | None, into: list[str]) -> None:
    with stream:
        for line in stream:
            text = line.rstrip()
            if callback is not None:
                callback(text)
            into.append(text)


class SupervisedPulumiCommand(auto.PulumiCommand):
    """`pulumi` from `root/bin`, every call started and cleaned up by `supervisor`."""

    def __init__(self, root: Path, supervisor: Supervisor) -> None:
        super().__init__(root=str(root))
        self.supervisor = supervisor

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: OnLine | None = None,
        on_error: OnLine | None = None,
    ) -> auto.CommandResult:
        env = {**os.environ, **additional_env, "PULUMI_AUTOMATION_API": "true"}
        env["PATH"] = os.pathsep.join([str(Path(self.command).parent), env.get("PATH", "")])
        process = self.supervisor.start(cli_argv(self.command, args), cwd, env)
        out: list[str] = []
        err: list[str] = []
        assert process.stdout is not None
        assert process.stderr is not None
        readers = [
            threading.Thread(target=_pump, args=(process.stdout, on_output, out), daemon=True),
            threading.Thread(target=_pump, args=(process.stderr, on_error, err), daemon=True),
        ]
        try:
            for reader in readers:
                reader.start()
            process.wait()
        finally:
            # At once: a plugin the CLI left behind may hold its pipes open.
            self.supervisor.finish(process)
        for reader in readers:
            reader.join(timeout=PIPE_DRAIN_SECONDS)
        code = process.returncode
        result = auto.CommandResult(stdout="\n".join(out), stderr="\n".join(err), code=code)
        if process.returncode != 0:
            raise create_command_error(result)
        return result
