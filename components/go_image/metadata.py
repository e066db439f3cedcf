"""Tags, labels and source fingerprints: pure, so previews are stable and testable.

Nothing here may change between two runs on the same commit, or every
`pulumi preview` would show a rebuild (no perpetual diffs).
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

SOURCE_URL = "https://github.com/gantry-dev/gantry"

# Files that cannot change the image: never part of the fingerprint.
_IGNORED_PARTS = {".git", "bin", "testdata", "__pycache__"}
_IGNORED_SUFFIXES = ("_test.go", ".md")


@dataclass(frozen=True)
class SourceInfo:
    """What the image is built from: the commit, its time, and a hash of the build inputs."""

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


def image_tags(version: str, revision: str) -> list[str]:
    """Release tag plus an immutable version-revision tag; never `latest`."""
    short = revision[:12]
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


def _build_inputs(context: Path) -> list[Path]:
    files = []
    for path in sorted(context.rglob("*")):
        relative = path.relative_to(context)
        if not path.is_file() or _IGNORED_PARTS.intersection(relative.parts):
            continue
        if path.name.endswith(_IGNORED_SUFFIXES):
            continue
        files.append(path)
    return files


def source_fingerprint(context: Path) -> str:
    """SHA-256 over the paths and contents of every file that can change the image."""
    digest = hashlib.sha256()
    for path in _build_inputs(context):
        digest.update(str(path.relative_to(context)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def source_info(context: Path) -> SourceInfo:
    """Read the commit from git; outside a checkout fall back to the content hash."""
    fingerprint = source_fingerprint(context)
    revision = _git(context, "rev-parse", "HEAD") or fingerprint[:40]
    created = _git(context, "log", "-1", "--format=%cI") or "1970-01-01T00:00:00Z"
    return SourceInfo(revision=revision, created=created, fingerprint=fingerprint)
