"""One stack of the project in the repo, run through the Automation API.

`LocalWorkspace(work_dir=<repo>)` reads the repo's own `Pulumi.yaml` and
`Pulumi.<stack>.yaml` (it writes neither), and `program=gantry.program.run`
makes every operation an inline program: the engine gets its language
runtime from this process over `--client`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pulumi import automation as auto

from gantry import program
from gantry.config.source import load_stack_file, stack_file
from gantry.config.stack import StackConfig
from gantry.config.targets import LocalTarget

from .progress import QUIET_OPS, Progress
from .results import Exit, Result
from .toolchain import Toolchain, engine_env

Command = Literal["up", "preview", "refresh", "destroy", "outputs"]
PACK_WRAPPER = Path("policies", "pack")
SECRET_MASK = "[secret]"  # noqa: S105 - the mask, not a secret


@dataclass(frozen=True)
class Options:
    """What a command runs with. `pack_config`: the pack's config file (the stack names
    it in `gantry:policy.pack_config`). `config_file`: a stack config file to use
    instead of `Pulumi.<stack>.yaml`."""

    repo: Path
    stack: str
    pack_config: Path
    expect_no_changes: bool = False
    policy: bool = True
    show_unchanged: bool = False
    config_file: Path | None = None


def load_config(repo: Path, stack: str, config_file: Path | None = None) -> StackConfig:
    """The stack's typed config, read the way `make check` reads it (file:line in errors)."""
    return load_stack_file(config_file or stack_file(repo, stack), stack)


def local_services(config: StackConfig) -> list[str]:
    """What must run on this machine before `up`: the loopback registry, the control plane,
    and its real node when a local target runs its pods there."""
    services: set[str] = set()
    for target in config.targets:
        if isinstance(target, LocalTarget):
            services.add("registry")
            if target.mode == "cluster" and target.kubeconfig is None:
                services.add("cluster")
                if target.nodes == "real":
                    services.add("node")
    return sorted(services)


def open_stack(options: Options, toolchain: Toolchain) -> auto.Stack:
    """Select the stack (created on first use) with the engine's environment."""
    env = engine_env(dict(os.environ), toolchain, options.stack, options.repo / ".pulumi")
    # Dynamic providers (ko, generated passwords) run in a plugin process that
    # must import this repo's modules with this interpreter's packages.
    env["PULUMI_PYTHON_CMD"] = sys.executable
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(options.repo), os.environ.get("PYTHONPATH", "")) if p
    )
    backend = env["PULUMI_BACKEND_URL"]
    if backend.startswith("file://"):
        Path(backend.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    # The program runs in this process: it sees the same variables as the engine.
    os.environ.update(env)
    workspace = auto.LocalWorkspace(
        work_dir=str(options.repo),
        program=program.run,
        env_vars=env,
        pulumi_command=auto.PulumiCommand(root=str(toolchain.root)),
    )
    return auto.Stack.create_or_select(options.stack, workspace)


def _policy_args(options: Options) -> dict[str, Any]:
    if not options.policy:
        return {}
    return {
        "policy_packs": [str(options.repo / PACK_WRAPPER)],
        "policy_pack_configs": [str(options.pack_config)],
    }


def masked_outputs(stack: auto.Stack) -> dict[str, Any]:
    """Stack outputs with every secret replaced by a mask: safe to print and log."""
    return {k: SECRET_MASK if v.secret else v.value for k, v in stack.outputs().items()}


def _changed(changes: dict[str, int]) -> bool:
    quiet = {op.value for op in QUIET_OPS}
    return any(n for op, n in changes.items() if op not in quiet)


def run(
    command: Command, options: Options, toolchain: Toolchain, echo: Callable[[str], None]
) -> Result:
    """Run one command; engine failures become a Result, never a traceback."""
    start = time.monotonic()
    progress = Progress(echo=echo, show_unchanged=options.show_unchanged)
    stack = open_stack(options, toolchain)
    outcome = Exit.OK
    try:
        _dispatch(command, stack, options, progress)
    except auto.CommandError as error:
        outcome = _classify(error, progress, options)
        if outcome is Exit.FAILED and not progress.errors:
            progress.errors.append(str(error).strip()[-4000:])
    if outcome is Exit.OK and options.expect_no_changes and _changed(progress.changes):
        outcome = Exit.CHANGES
    outputs = masked_outputs(stack) if command in {"up", "outputs", "refresh"} else {}
    return Result(
        command=command,
        stack=options.stack,
        exit=outcome,
        changes=progress.changes,
        changed=tuple(progress.changed),
        findings=tuple(progress.findings),
        outputs=outputs,
        errors=tuple(progress.errors),
        seconds=time.monotonic() - start,
    )


def _dispatch(command: Command, stack: auto.Stack, options: Options, progress: Progress) -> None:
    common: dict[str, Any] = {"on_event": progress}
    if options.config_file:
        common["config_file"] = str(options.config_file)
    if command == "up":
        stack.up(**common, **_policy_args(options))
    elif command == "preview":
        stack.preview(
            **common, expect_no_changes=options.expect_no_changes, **_policy_args(options)
        )
    elif command == "refresh":
        stack.refresh(**common, expect_no_changes=options.expect_no_changes)
    elif command == "destroy":
        stack.destroy(**common)


def _classify(error: auto.CommandError, progress: Progress, options: Options) -> Exit:
    if any(f.blocking for f in progress.findings):
        return Exit.POLICY
    if options.expect_no_changes and "no changes were expected" in str(error):
        return Exit.CHANGES
    return Exit.FAILED
