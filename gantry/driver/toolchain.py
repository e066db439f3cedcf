"""Which `pulumi` the driver runs, and the environment the engine gets.

The normal install puts `pulumi` on PATH and downloads plugins on demand;
`scripts/bootstrap.sh` builds the CLI and plugins into `$GANTRY_CACHE/bin`
and the engine must then never reach for the internet. The same code path
serves both: only where the binary lives and one variable differ.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

LOCAL_PASSPHRASE = "gantry-local-only"  # noqa: S105 - documented throwaway for the local stack
PASSPHRASE_VARS = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")


class ToolchainError(RuntimeError):
    """The engine cannot run: says what is missing and the command that fixes it."""


def cache_dir(env: dict[str, str]) -> Path:
    """`$GANTRY_CACHE`, default `~/.cache/gantry` (the bootstrap's output)."""
    return Path(env.get("GANTRY_CACHE") or Path.home() / ".cache" / "gantry")


@dataclass(frozen=True)
class Toolchain:
    """`root`: the directory whose bin/ holds `pulumi`. `built`: it came from the bootstrap."""

    root: Path
    built: bool

    @property
    def pulumi(self) -> Path:
        return self.root / "bin" / "pulumi"


def find_toolchain(env: dict[str, str]) -> Toolchain:
    """The bootstrap's build when it exists, else the `pulumi` on PATH."""
    built = cache_dir(env) / "bin" / "pulumi"
    if built.is_file() and os.access(built, os.X_OK):
        return Toolchain(root=built.parent.parent, built=True)
    on_path = shutil.which("pulumi", path=env.get("PATH"))
    if on_path:
        return Toolchain(root=Path(on_path).resolve().parent.parent, built=False)
    msg = (
        "no Pulumi CLI: run `make bootstrap` (builds it offline into "
        f"{built.parent}) or install Pulumi so that `pulumi` is on PATH"
    )
    raise ToolchainError(msg)


def backend_url(env: dict[str, str], backend_dir: Path) -> str:
    """`PULUMI_BACKEND_URL` when set (the user's choice wins), else the repo's file backend."""
    return env.get("PULUMI_BACKEND_URL") or backend_dir.resolve().as_uri()


def engine_env(
    env: dict[str, str], toolchain: Toolchain, stack: str, backend_dir: Path
) -> dict[str, str]:
    """Variables the engine runs with: backend, passphrase, plugin lookup, no downloads."""
    out = {
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_BACKEND_URL": backend_url(env, backend_dir),
        # Plugins (kubernetes, pulumi-python for dynamic providers) sit beside the CLI.
        "PATH": os.pathsep.join([str(toolchain.pulumi.parent), env.get("PATH", "")]),
    }
    if toolchain.built:
        out["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
    if not any(env.get(name) for name in PASSPHRASE_VARS):
        if stack != "local":
            msg = (
                f"set PULUMI_CONFIG_PASSPHRASE (or _FILE) for stack '{stack}': "
                "the built-in passphrase is for the local stack only"
            )
            raise ToolchainError(msg)
        out["PULUMI_CONFIG_PASSPHRASE"] = LOCAL_PASSPHRASE
    return out
