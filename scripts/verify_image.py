"""Check a pushed multi-platform image of the Go service.

The image must be an index of exactly linux/amd64 and linux/arm64, each
platform's entrypoint a static ELF binary of that architecture, the user
65532, no shell anywhere in the filesystem, and each platform at most 8 MiB
compressed (the sizes are printed). Reads the registry with
`crane` (no daemon, no pull into a store). Exit status 1 lists every
violation, so that a test can show all of them at once.

Usage: verify_image.py [--crane PATH] IMAGE_REF
"""

from __future__ import annotations

import argparse
import json
import shutil
import struct
import subprocess
import sys
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

EXPECTED_PLATFORMS = frozenset({"linux/amd64", "linux/arm64"})
NONROOT_USERS = frozenset({"65532", "65532:65532"})
# ELF e_machine values (System V gABI) for the platforms we ship.
ELF_MACHINES = {62: "amd64", 183: "arm64"}
SHELL_NAMES = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox"})
INDEX_MEDIA_TYPES = frozenset(
    {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    }
)
PT_INTERP = 3
# Per platform, compressed: the stripped service on the static base is about
# 7 MiB; an unstripped build (about 12 MiB) must not pass for the shipped one.
MAX_COMPRESSED_BYTES = 8 * 1024 * 1024
MIB = 1024 * 1024


class VerifyError(Exception):
    """The image could not be read at all (as opposed to a violation)."""


@dataclass(frozen=True)
class ElfInfo:
    """What matters about a binary: its architecture and whether it is static."""

    arch: str | None
    static: bool


def index_platforms(index: Mapping[str, Any]) -> dict[str, str]:
    """Map "os/arch" to manifest digest, leaving out attestation manifests."""
    media_type = index.get("mediaType", "")
    if media_type not in INDEX_MEDIA_TYPES:
        raise VerifyError(f"not an image index (mediaType {media_type!r})")
    platforms: dict[str, str] = {}
    for manifest in index.get("manifests", []):
        annotations = manifest.get("annotations") or {}
        if annotations.get("vnd.docker.reference.type") == "attestation-manifest":
            continue
        platform = manifest.get("platform") or {}
        key = f"{platform.get('os', '?')}/{platform.get('architecture', '?')}"
        if platform.get("variant"):
            key += f"/{platform['variant']}"
        if key in platforms:
            raise VerifyError(f"platform {key} appears twice in the index")
        platforms[key] = manifest["digest"]
    return platforms


def platform_violations(platforms: Iterable[str]) -> list[str]:
    """Violations of "exactly linux/amd64 and linux/arm64"."""
    found = set(platforms)
    problems = [f"missing platform {p}" for p in sorted(EXPECTED_PLATFORMS - found)]
    problems += [f"unexpected platform {p}" for p in sorted(found - EXPECTED_PLATFORMS)]
    return problems


def elf_info(data: bytes) -> ElfInfo | None:
    """Parse an ELF header; None when the bytes are not a 64-bit little-endian ELF."""
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    (machine,) = struct.unpack_from("<H", data, 18)
    (phoff,) = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    static = True
    for i in range(phnum):
        offset = phoff + i * phentsize
        if offset + 4 > len(data):
            break
        (p_type,) = struct.unpack_from("<I", data, offset)
        if p_type == PT_INTERP:
            static = False
    return ElfInfo(arch=ELF_MACHINES.get(machine), static=static)


def shells_in(paths: Iterable[str]) -> list[str]:
    """Paths whose file name is a shell or a multi-call binary that is one."""
    return sorted(p for p in paths if PurePosixPath(p).name in SHELL_NAMES)


def config_violations(platform: str, config: Mapping[str, Any]) -> list[str]:
    """Violations in one platform's image config: os/arch and the user."""
    problems = []
    image_platform = f"{config.get('os')}/{config.get('architecture')}"
    if image_platform != platform:
        problems.append(f"{platform}: config says {image_platform}")
    user = (config.get("config") or {}).get("User", "")
    if user not in NONROOT_USERS:
        problems.append(f"{platform}: user is {user!r}, want 65532")
    entrypoint = (config.get("config") or {}).get("Entrypoint") or []
    if not entrypoint:
        problems.append(f"{platform}: no entrypoint")
    return problems


def _normal(path: str) -> str:
    return str(PurePosixPath("/", path.removeprefix("./")))


def filesystem_violations(platform: str, entrypoint: str, layers: IO[bytes]) -> list[str]:
    """Read a flattened filesystem tar stream and check the binary and shells."""
    want_arch = platform.split("/")[1]
    names: list[str] = []
    links: dict[str, str] = {}
    binary: bytes | None = None
    target = _normal(entrypoint)
    with tarfile.open(fileobj=layers, mode="r|") as tar:
        for member in tar:
            name = _normal(member.name)
            names.append(name)
            if member.issym():
                links[name] = member.linkname
            if name == target and member.isfile():
                extracted = tar.extractfile(member)
                binary = extracted.read() if extracted else None
    problems = [f"{platform}: shell present at {p}" for p in shells_in(names)]
    if binary is None:
        hint = f" (a symlink to {links[target]})" if target in links else ""
        return [*problems, f"{platform}: entrypoint {target} is not a regular file{hint}"]
    info = elf_info(binary)
    if info is None:
        problems.append(f"{platform}: entrypoint {target} is not a 64-bit ELF binary")
    else:
        if info.arch != want_arch:
            problems.append(f"{platform}: entrypoint is an ELF for {info.arch}, want {want_arch}")
        if not info.static:
            problems.append(f"{platform}: entrypoint is dynamically linked (needs a libc)")
    return problems


class Crane:
    """The few crane calls the check needs."""

    def __init__(self, path: str) -> None:
        self.path = path

    def _json(self, *args: str) -> Any:
        result = subprocess.run(
            [self.path, *args], capture_output=True, text=True, check=False, timeout=120
        )
        if result.returncode != 0:
            raise VerifyError(f"crane {' '.join(args)}: {result.stderr.strip()}")
        return json.loads(result.stdout)

    def manifest(self, ref: str) -> Any:
        return self._json("manifest", ref)

    def config(self, ref: str) -> Any:
        return self._json("config", ref)

    def export_violations(self, ref: str, platform: str, entrypoint: str) -> list[str]:
        with subprocess.Popen(
            [self.path, "export", ref, "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        ) as proc:
            assert proc.stdout is not None
            problems = filesystem_violations(platform, entrypoint, proc.stdout)
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            if proc.wait(timeout=120) != 0:
                raise VerifyError(f"crane export {ref}: {stderr.strip()}")
        return problems


def repository(ref: str) -> str:
    """The repository part of a reference (without tag or digest)."""
    name = ref.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name.rsplit(":", 1)[0]
    return name


def compressed_size(manifest: Mapping[str, Any]) -> int:
    """Bytes a pull of one platform's image transfers: its config and layers, compressed."""
    blobs = [manifest.get("config") or {}, *(manifest.get("layers") or [])]
    return sum(int(blob.get("size", 0)) for blob in blobs)


def size_violations(platform: str, size: int) -> list[str]:
    """Violations of the per-platform size limit."""
    if size <= MAX_COMPRESSED_BYTES:
        return []
    return [
        f"{platform}: {size / MIB:.1f} MiB compressed, over the "
        f"{MAX_COMPRESSED_BYTES / MIB:g} MiB limit"
    ]


def image_sizes(ref: str, crane: Crane) -> dict[str, int]:
    """Compressed size of each platform's image in the index."""
    repo = repository(ref)
    platforms = index_platforms(crane.manifest(ref))
    return {p: compressed_size(crane.manifest(f"{repo}@{d}")) for p, d in sorted(platforms.items())}


def verify(ref: str, crane: Crane) -> list[str]:
    """Every violation of the image contract, empty when the image is right."""
    platforms = index_platforms(crane.manifest(ref))
    problems = platform_violations(platforms)
    repo = repository(ref)
    for platform, digest in sorted(platforms.items()):
        if platform not in EXPECTED_PLATFORMS:
            continue
        image = f"{repo}@{digest}"
        problems += size_violations(platform, compressed_size(crane.manifest(image)))
        config = crane.config(image)
        found = config_violations(platform, config)
        problems += found
        entrypoint = ((config.get("config") or {}).get("Entrypoint") or [""])[0]
        if entrypoint:
            problems += crane.export_violations(image, platform, entrypoint)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="image index reference, e.g. 127.0.0.1:5001/hello@sha256:...")
    parser.add_argument("--crane", default=shutil.which("crane") or "crane")
    args = parser.parse_args(argv)
    try:
        problems = verify(args.ref, Crane(args.crane))
        sizes = image_sizes(args.ref, Crane(args.crane))
    except (VerifyError, OSError, subprocess.TimeoutExpired, json.JSONDecodeError) as err:
        print(f"verify-image: cannot check {args.ref}: {err}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"verify-image: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"verify-image: {args.ref}: linux/amd64 + linux/arm64, static ELF, user 65532, no shell")
    print(
        "verify-image: compressed " + ", ".join(f"{p} {n / MIB:.1f} MiB" for p, n in sizes.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
