"""Tags, labels and source fingerprints: pure, so previews are stable and testable.

Nothing here may change unless what goes into the image changes: not between
two runs on the same commit (no perpetual diffs), and not after a commit that
touches no build input (a README, the Pulumi program, a workflow). Tags come
from a fingerprint of the inputs, and the revision and time stamped into the
image are those of the newest commit that changed one of them.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SOURCE_URL = "https://github.com/gantry-dev/gantry"

# Files that cannot change the image: never part of the fingerprint.
_IGNORED_PARTS = {".git", "bin", "testdata", "__pycache__"}
_IGNORED_SUFFIXES = ("_test.go", ".md")


@dataclass(frozen=True)
class SourceInfo:
    """What the image is built from.

    revision: the newest commit that changed a build input (not HEAD).
    created: that commit's time.
    fingerprint: SHA-256 over the build inputs and the build settings.
    """

    revision: str
    created: str
    fingerprint: str


def arch_of(platform: str) -> str:
    """`linux/arm64` -> `arm64`: the suffix of per-platform tags and resource names."""
    os_name, _, arch = platform.partition("/")
    if os_name != "linux" or not arch:
        msg = f"unsupported platform {platform!r}: gantry builds linux images only"
        raise ValueError(msg)
    return arch.replace("/", "-")


def image_tags(version: str, fingerprint: str) -> list[str]:
    """Release tag plus an immutable version-fingerprint tag; never `latest`."""
    short = fingerprint[:12]
    return [version, f"{version}-{short}"]


def oci_labels(version: str, revision: str, created: str) -> dict[str, str]:
    """OCI image annotations that tie an image back to its source."""
    return {
        "org.opencontainers.image.title": "hello",
        "org.opencontainers.image.source": SOURCE_URL,
        "org.opencontainers.image.revision": revision,
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.created": created,
        "org.opencontainers.image.licenses": "Apache-2.0",
    }


def _git(context: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(context), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def build_inputs(context: Path, extra_files: Sequence[Path] = ()) -> list[Path]:
    """Every file that can change the image: the context's files (Go sources, go.mod,
    go.sum, the Dockerfile and .dockerignore), without tests, docs and build output,
    plus `extra_files` (a Dockerfile kept outside the context)."""
    files = []
    for path in sorted(context.rglob("*")):
        relative = path.relative_to(context)
        if not path.is_file() or _IGNORED_PARTS.intersection(relative.parts):
            continue
        if path.name.endswith(_IGNORED_SUFFIXES):
            continue
        files.append(path)
    inside = set(files)
    return files + sorted(p for p in extra_files if p.is_file() and p not in inside)


def source_fingerprint(
    context: Path,
    settings: Mapping[str, str] | None = None,
    extra_files: Sequence[Path] = (),
) -> str:
    """SHA-256 over the paths and contents of the build inputs and the build settings
    (version, platforms, builder, main package, base image: what the flags carry)."""
    digest = hashlib.sha256()
    for path in build_inputs(context, extra_files):
        name = path.relative_to(context) if path.is_relative_to(context) else path.name
        digest.update(str(name).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    for key, value in sorted((settings or {}).items()):
        digest.update(f"{key}={value}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


def source_info(
    context: Path,
    settings: Mapping[str, str] | None = None,
    extra_files: Sequence[Path] = (),
) -> SourceInfo:
    """The fingerprint, and the newest commit that touched an input (git log over exactly
    the fingerprinted files); outside a checkout the revision is the fingerprint."""
    fingerprint = source_fingerprint(context, settings, extra_files)
    inputs = [str(path.resolve()) for path in build_inputs(context, extra_files)]
    last = _git(context, "log", "-1", "--format=%H %cI", "--", *inputs) if inputs else None
    revision, _, created = (last or "").partition(" ")
    return SourceInfo(
        revision=revision or fingerprint[:40],
        created=created or "1970-01-01T00:00:00Z",
        fingerprint=fingerprint,
    )


def checkout_revision(path: Path) -> str | None:
    """The commit checked out at `path` (HEAD), which the stack was deployed from."""
    return _git(path, "rev-parse", "HEAD")
