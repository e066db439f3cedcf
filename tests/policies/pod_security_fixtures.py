"""Kubernetes' own Pod Security fixtures, from the pinned Go module in the Go module cache.

`toolchain/conformance/go.mod` pins k8s.io/pod-security-admission; its minor
is the Kubernetes version the fixtures are read at (v0.37.x: 1.37).
`make conformance-fixtures` downloads it. Looking it up here never reaches
the network (GOPROXY=off), so a missing module is one fast, named failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PIN_DIR = REPO / "toolchain" / "conformance"
MODULE = "k8s.io/pod-security-admission"
FETCH_COMMAND = "make conformance-fixtures"


class FixturesMissingError(RuntimeError):
    """The fixtures cannot be read; the message says which command brings them."""


@dataclass(frozen=True)
class Fixture:
    version: str
    """Kubernetes minor the fixture is classified at, e.g. "1.37"."""
    level: str
    expect: str
    """"pass" or "fail"."""
    path: Path


def pinned_version(pin_dir: Path = PIN_DIR) -> str:
    """The module version required by the wrapper go.mod, e.g. "v0.37.2"."""
    text = (pin_dir / "go.mod").read_text(encoding="utf-8")
    match = re.search(rf"^\s*(?:require\s+)?{re.escape(MODULE)}\s+(v\S+)", text, re.MULTILINE)
    if match is None:
        msg = f"{pin_dir / 'go.mod'} does not require {MODULE}"
        raise FixturesMissingError(msg)
    return match.group(1)


def kubernetes_minor(module_version: str) -> str:
    """k8s.io staging modules are v0.<minor>.<patch> for Kubernetes 1.<minor>."""
    match = re.fullmatch(r"v0\.(\d+)\.\d+", module_version)
    if match is None:
        msg = f"{MODULE} {module_version} is not a v0.<minor>.<patch> staging version"
        raise FixturesMissingError(msg)
    return f"1.{match.group(1)}"


def module_dir(pin_dir: Path = PIN_DIR) -> Path:
    """Where the Go module cache holds the pinned module; never downloads."""
    go = shutil.which("go")
    if go is None:
        msg = f"'go' is not on PATH: install Go, then run `{FETCH_COMMAND}`"
        raise FixturesMissingError(msg)
    env = {**os.environ, "GOPROXY": "off", "GOFLAGS": "-mod=mod"}
    result = subprocess.run(
        [go, "list", "-m", "-f", "{{.Dir}}", MODULE],
        cwd=pin_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = result.stdout.strip()
    if result.returncode != 0 or not found:
        detail = result.stderr.strip().splitlines()[-1:] or ["not in the Go module cache"]
        msg = f"{MODULE}@{pinned_version(pin_dir)}: {detail[0]}; run `{FETCH_COMMAND}`"
        raise FixturesMissingError(msg)
    return Path(found)


def _read(testdata: Path, version_glob: str) -> list[Fixture]:
    return [
        Fixture(path.parts[-3].removeprefix("v"), path.parts[-4], path.parts[-2], path)
        for path in sorted(testdata.glob(f"*/{version_glob}/*/*.yaml"))
    ]


def load_fixtures(pin_dir: Path = PIN_DIR) -> list[Fixture]:
    """Every pass/ and fail/ Pod of both levels at the pinned Kubernetes minor."""
    version = kubernetes_minor(pinned_version(pin_dir))
    testdata = module_dir(pin_dir) / "test" / "testdata"
    fixtures = _read(testdata, f"v{version}")
    levels = {f.level for f in fixtures}
    if levels != {"baseline", "restricted"} or len(fixtures) < 100:
        msg = f"only {len(fixtures)} fixtures for v{version} under {testdata} (levels {levels})"
        raise FixturesMissingError(msg)
    return fixtures


def load_fixtures_of_every_version(pin_dir: Path = PIN_DIR) -> list[Fixture]:
    """The pinned module's fixtures of every Kubernetes minor it holds (1.0 to the pin): each
    version's evaluator admits its pass/ Pods and rejects its fail/ Pods."""
    newest = kubernetes_minor(pinned_version(pin_dir))
    fixtures = _read(module_dir(pin_dir) / "test" / "testdata", "v1.*")
    versions = {f.version for f in fixtures}
    if newest not in versions or "1.24" not in versions or len(fixtures) < 1000:
        msg = f"only {len(fixtures)} fixtures of {len(versions)} versions (pin: {newest})"
        raise FixturesMissingError(msg)
    return fixtures
