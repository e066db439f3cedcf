"""One stack of the project in the repo, run through the Automation API.

`LocalWorkspace(work_dir=<repo>)` reads the repo's own `Pulumi.yaml` and
`Pulumi.<stack>.yaml` (it writes neither), and `program=gantry.program.run`
makes every operation an inline program: the engine gets its language
runtime from this process over `--client`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pulumi import automation as auto

from gantry import program
from gantry.config.source import load_stack_file, stack_file
from gantry.config.stack import StackConfig
from gantry.config.targets import LocalTarget

from .apiwatch import Endpoint
from .cli import SupervisedPulumiCommand
from .progress import Progress
from .supervisor import Supervisor
from .toolchain import Toolchain, engine_env

Command = Literal["up", "preview", "refresh", "destroy", "outputs"]
PACK_WRAPPER = Path("policies", "pack")
SECRET_MASK = "[secret]"  # noqa: S105 - the mask, not a secret
DEFAULT_CANCEL_GRACE = 30.0


@dataclass(frozen=True)
class Options:
    """What a command runs with. `pack_config`: the pack's config file (the stack names
    it in `gantry:policy.pack_config`). `config_file`: a stack config file to use
    instead of `Pulumi.<stack>.yaml`. `cancel_grace`: seconds a cancelled engine may
    take to finish the operations in flight before it is stopped at once. `endpoints`:
    the Kubernetes API servers to watch while a command runs."""

    repo: Path
    stack: str
    pack_config: Path
    expect_no_changes: bool = False
    policy: bool = True
    show_unchanged: bool = False
    config_file: Path | None = None
    cancel_grace: float = DEFAULT_CANCEL_GRACE
    endpoints: tuple[Endpoint, ...] = ()

    @cached_property
    def project(self) -> str:
        """The project's name from `Pulumi.yaml` (the backend files its stacks under it)."""
        return str(yaml.safe_load((self.repo / "Pulumi.yaml").read_text())["name"])


def load_config(repo: Path, stack: str, config_file: Path | None = None) -> StackConfig:
    """The stack's typed config, read the way `make check` reads it (file:line in errors)."""
    return load_stack_file(config_file or stack_file(repo, stack), stack)


def local_services(config: StackConfig) -> list[str]:
    """What must run on this machine before `up`: the loopback registry, the control plane,
    its real node when a local target runs its pods there, and the observability stack's
    images on that node's registry when the stack has one."""
    services: set[str] = set()
    for target in config.targets:
        if isinstance(target, LocalTarget):
            services.add("registry")
            if target.mode == "cluster" and target.kubeconfig is None:
                services.add("cluster")
                if target.nodes == "real":
                    services.add("node")
                    if config.observability.enabled:
                        services.add("chart-images")
    return sorted(services)


def stack_env(options: Options, toolchain: Toolchain) -> dict[str, str]:
    """The engine's environment for this stack (and, the program being inline, this process's)."""
    env = engine_env(dict(os.environ), toolchain, options.stack, options.repo / ".pulumi")
    # Dynamic providers (ko, generated passwords) run in a plugin process that
    # must import this repo's modules with this interpreter's packages.
    env["PULUMI_PYTHON_CMD"] = sys.executable
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(options.repo), os.environ.get("PYTHONPATH", "")) if p
    )
    return env


def open_stack(
    options: Options, toolchain: Toolchain, env: dict[str, str], supervisor: Supervisor
) -> auto.Stack:
    """Select the stack (created on first use); every CLI call goes through `supervisor`."""
    backend = env["PULUMI_BACKEND_URL"]
    if backend.startswith("file://"):
        Path(backend.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    # The program runs in this process: it sees the same variables as the engine.
    os.environ.update(env)
    workspace = auto.LocalWorkspace(
        work_dir=str(options.repo),
        program=program.run,
        env_vars=env,
        pulumi_command=SupervisedPulumiCommand(toolchain.root, supervisor),
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


def common_args(options: Options, progress: Progress) -> dict[str, Any]:
    """What every engine command takes: the event printer and the stack config file."""
    common: dict[str, Any] = {"on_event": progress}
    if options.config_file:
        common["config_file"] = str(options.config_file)
    return common


def dispatch(command: Command, stack: auto.Stack, options: Options, progress: Progress) -> None:
    """Run the engine command itself; its failures raise `auto.CommandError`."""
    common = common_args(options, progress)
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
