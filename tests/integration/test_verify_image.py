"""The image checks of scripts/verify_image.py, on hand-made inputs.

These need no registry: they pin down what counts as a violation, so that the
integration test that runs the same checks on a real ko build means something.
"""

from __future__ import annotations

import io
import struct
import tarfile

import pytest

from scripts.verify_image import (
    MAX_COMPRESSED_BYTES,
    VerifyError,
    compressed_size,
    config_violations,
    elf_info,
    filesystem_violations,
    index_platforms,
    platform_violations,
    repository,
    shells_in,
    size_violations,
)

OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def _manifest(os: str, arch: str, digest: str, **extra: object) -> dict[str, object]:
    return {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": digest,
        "platform": {"os": os, "architecture": arch},
        **extra,
    }


def _elf(machine: int, *, interp: bool = False) -> bytes:
    """A minimal ELF64 little-endian header with one program header."""
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<H", header, 18, machine)
    struct.pack_into("<Q", header, 32, 64)  # e_phoff
    struct.pack_into("<HH", header, 54, 56, 1)  # e_phentsize, e_phnum
    program = bytearray(56)
    struct.pack_into("<I", program, 0, 3 if interp else 1)  # PT_INTERP or PT_LOAD
    return bytes(header + program)


def _tar(files: dict[str, bytes], symlinks: dict[str, str] | None = None) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    buf.seek(0)
    return buf


def test_index_platforms_skips_attestations() -> None:
    index = {
        "mediaType": OCI_INDEX,
        "manifests": [
            _manifest("linux", "amd64", "sha256:a"),
            _manifest("linux", "arm64", "sha256:b"),
            _manifest(
                "unknown",
                "unknown",
                "sha256:c",
                annotations={"vnd.docker.reference.type": "attestation-manifest"},
            ),
        ],
    }
    assert index_platforms(index) == {"linux/amd64": "sha256:a", "linux/arm64": "sha256:b"}


def test_index_platforms_refuses_a_single_manifest() -> None:
    with pytest.raises(VerifyError, match="not an image index"):
        index_platforms({"mediaType": "application/vnd.oci.image.manifest.v1+json"})


def test_index_platforms_refuses_duplicates() -> None:
    index = {
        "mediaType": OCI_INDEX,
        "manifests": [
            _manifest("linux", "amd64", "sha256:a"),
            _manifest("linux", "amd64", "sha256:b"),
        ],
    }
    with pytest.raises(VerifyError, match="twice"):
        index_platforms(index)


def test_platform_violations_wants_exactly_two() -> None:
    assert platform_violations(["linux/arm64", "linux/amd64"]) == []
    assert platform_violations(["linux/amd64", "linux/arm/v7"]) == [
        "missing platform linux/arm64",
        "unexpected platform linux/arm/v7",
    ]


def test_elf_info_reads_machine_and_interpreter() -> None:
    amd64 = elf_info(_elf(62))
    arm64 = elf_info(_elf(183, interp=True))
    assert amd64 is not None and amd64.arch == "amd64" and amd64.static
    assert arm64 is not None and arm64.arch == "arm64" and not arm64.static
    assert elf_info(b"#!/bin/sh\necho hi\n" + bytes(64)) is None


def test_shells_in_matches_file_names_anywhere() -> None:
    paths = ["/bin/sh", "/usr/bin/busybox", "/ko-app/hello", "/etc/shells", "/x/bash"]
    assert shells_in(paths) == ["/bin/sh", "/usr/bin/busybox", "/x/bash"]


def test_config_violations() -> None:
    good = {
        "os": "linux",
        "architecture": "arm64",
        "config": {"User": "65532:65532", "Entrypoint": ["/ko-app/hello"]},
    }
    assert config_violations("linux/arm64", good) == []
    root = {"os": "linux", "architecture": "amd64", "config": {"User": ""}}
    assert config_violations("linux/arm64", root) == [
        "linux/arm64: config says linux/amd64",
        "linux/arm64: user is '', want 65532",
        "linux/arm64: no entrypoint",
    ]


def test_filesystem_violations_accepts_a_static_binary_of_the_platform() -> None:
    layers = _tar({"ko-app/hello": _elf(183), "etc/passwd": b"nonroot:x:65532:65532::/:/x\n"})
    assert filesystem_violations("linux/arm64", "/ko-app/hello", layers) == []


def test_filesystem_violations_reports_each_problem() -> None:
    layers = _tar(
        {"./ko-app/hello": _elf(62, interp=True), "./bin/busybox": b"x"}, {"bin/sh": "busybox"}
    )
    assert filesystem_violations("linux/arm64", "/ko-app/hello", layers) == [
        "linux/arm64: shell present at /bin/busybox",
        "linux/arm64: shell present at /bin/sh",
        "linux/arm64: entrypoint is an ELF for amd64, want arm64",
        "linux/arm64: entrypoint is dynamically linked (needs a libc)",
    ]


def test_filesystem_violations_missing_entrypoint() -> None:
    layers = _tar({}, {"ko-app/hello": "/nowhere"})
    assert filesystem_violations("linux/amd64", "/ko-app/hello", layers) == [
        "linux/amd64: entrypoint /ko-app/hello is not a regular file (a symlink to /nowhere)"
    ]


@pytest.mark.parametrize(
    ("ref", "repo"),
    [
        ("127.0.0.1:5001/gantry/hello:v1", "127.0.0.1:5001/gantry/hello"),
        ("127.0.0.1:5001/gantry/hello@sha256:abc", "127.0.0.1:5001/gantry/hello"),
        ("127.0.0.1:5001/hello", "127.0.0.1:5001/hello"),
    ],
)
def test_repository(ref: str, repo: str) -> None:
    assert repository(ref) == repo


def test_compressed_size_counts_config_and_layers() -> None:
    manifest = {"config": {"size": 1_000}, "layers": [{"size": 20_000}, {"size": 7_000_000}]}
    assert compressed_size(manifest) == 7_021_000


def test_size_violations_at_and_over_the_limit() -> None:
    assert size_violations("linux/amd64", MAX_COMPRESSED_BYTES) == []
    assert size_violations("linux/arm64", 13_212_058) == [
        "linux/arm64: 12.6 MiB compressed, over the 8 MiB limit"
    ]
