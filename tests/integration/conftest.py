"""Fixtures for the integration tests: the real toolchain, a registry and a control plane.

Everything runs through the same scripts as `make up`, so a passing test
means those scripts work on this machine. Each fixture stops what it starts.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import charts
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
CACHE = Path(os.environ.get("GANTRY_CACHE", Path.home() / ".cache" / "gantry"))


def run(argv: list[str], env: dict[str, str], **kwargs: object) -> str:
    """Run a command, failing the test with its output when it fails."""
    result = subprocess.run(
        argv, env=env, capture_output=True, text=True, check=False, timeout=1800, **kwargs
    )  # type: ignore[call-overload]
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(argv)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        )
    return str(result.stdout)


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    """A free port whose successor is free too: etcd's peer port is its client port + 1, and
    a successor taken by some other socket failed the cluster's preflight now and then."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port < 65535 and _bindable(port + 1):
            return port
    raise RuntimeError("no free pair of ports on 127.0.0.1 in 100 tries")


@pytest.fixture(scope="session")
def tool_env() -> dict[str, str]:
    """The environment with the image tools built by scripts/bootstrap.sh on PATH."""
    env = {**os.environ, "GANTRY_CACHE": str(CACHE)}
    run([str(SCRIPTS / "bootstrap.sh"), "image"], env)
    env["PATH"] = f"{CACHE / 'bin'}{os.pathsep}{env['PATH']}"
    return env


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the caller binds it soon after)."""
    return _free_port()


def chart_mirror() -> str | None:
    """`GANTRY_CHART_MIRROR`, else `../shared/charts` beside the repo when it exists.

    The mirror stands in for the chart repositories on machines without
    internet; with neither, the charts come from the upstream repositories.
    One setting for every test that reads charts: tests/charts.py.
    """
    mirror = charts.chart_mirror()
    return str(mirror) if mirror else None


@pytest.fixture(scope="session")
def engine_env() -> dict[str, str]:
    """The environment with the whole toolchain built: engine, plugins, image tools, cluster."""
    env = {**os.environ, "GANTRY_CACHE": str(CACHE)}
    run([str(SCRIPTS / "bootstrap.sh"), "engine", "plugins", "image", "cluster"], env)
    env["PATH"] = f"{CACHE / 'bin'}{os.pathsep}{env['PATH']}"
    return env


@dataclass(frozen=True)
class Registry:
    """A registry this test session started, and the env that points at it."""

    address: str
    env: dict[str, str]


@pytest.fixture(scope="session")
def registry(tool_env: dict[str, str]) -> Iterator[Registry]:
    """A registry on a free loopback port, stopped at the end of the session."""
    env = {**tool_env, "GANTRY_REGISTRY_PORT": str(_free_port())}
    run([str(SCRIPTS / "local-registry.sh"), "start"], env)
    try:
        address = run([str(SCRIPTS / "local-registry.sh"), "address"], env).strip()
        yield Registry(address=address, env=env)
    finally:
        subprocess.run(
            [str(SCRIPTS / "local-registry.sh"), "stop"], env=env, check=False, timeout=60
        )


@pytest.fixture(scope="session")
def base_image(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The locally assembled two-platform base, by digest.

    Its ref file goes to a temp dir: the one in the cache belongs to `make up`.
    """
    ref_file = tmp_path_factory.mktemp("base") / "base-image.ref"
    env = {**registry.env, "GANTRY_BASE_REF_FILE": str(ref_file)}
    ref = run([str(SCRIPTS / "base-image.sh")], env).strip()
    assert ref_file.read_text().strip() == ref
    return ref


def throwaway_stack_env(engine_env: dict[str, str], tmp: Path) -> dict[str, str]:
    """The environment for a local stack of a test's own: its file backend and cluster
    directory under TMP, free API server and etcd ports, the stack's own registry address
    and the local stack's built-in passphrase (Pulumi.local.yaml's salt belongs to it)."""
    env = {
        **engine_env,
        "GANTRY_STACK": "local",
        "PULUMI_BACKEND_URL": f"file://{tmp / 'backend'}",
        "GANTRY_CLUSTER_DIR": str(tmp / "cluster"),
        "GANTRY_CLUSTER_PORT": str(_free_port()),
        "GANTRY_CLUSTER_ETCD_PORT": str(_free_port()),
    }
    env.pop("PULUMI_CONFIG_PASSPHRASE", None)
    env.pop("GANTRY_REGISTRY_PORT", None)  # the stack names 127.0.0.1:5001
    return env
