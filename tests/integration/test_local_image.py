"""The image path of the local stack, for real: base image, ko, registry, checks.

Integration test 1 of issue 10: the pushed index has exactly linux/amd64 and
linux/arm64, each image's binary is an ELF of its architecture, the user is
65532 and there is no shell. The negative cases prove the check can fail.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from components.go_image.ko import ko_command, ko_config
from scripts.verify_image import MAX_COMPRESSED_BYTES, MIB, Crane, image_sizes, repository, verify

from .conftest import ROOT, SCRIPTS, Registry, run

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def crane(registry: Registry) -> Crane:
    path = shutil.which("crane", path=registry.env["PATH"])
    assert path, "crane is not on PATH after scripts/bootstrap.sh image"
    return Crane(path)


@pytest.fixture(scope="module")
def service_image(
    registry: Registry, base_image: str, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The Go service built for both platforms onto the local base as the program ships it.

    The .ko.yaml and the argv are components.go_image.ko's own (stripped,
    trimmed, stamped, SPDX SBOM), so the image checked is the image shipped.
    """
    workdir = tmp_path_factory.mktemp("ko")
    (workdir / ".ko.yaml").write_text(ko_config("./cmd/hello", "0.0.0-it", "it"))
    env = {
        **registry.env,
        "KO_DOCKER_REPO": f"{registry.address}/gantry-test/hello",
        "KO_DEFAULTBASEIMAGE": base_image,
        "KO_CONFIG_PATH": str(workdir),
    }
    refs = workdir / "refs.txt"
    props = {"main": "./cmd/hello", "platforms": ["linux/amd64", "linux/arm64"], "tags": ["it"]}
    run(ko_command(props, str(refs)), env, cwd=ROOT / "app")
    # ko writes the multi-platform index first, then each platform's image.
    return refs.read_text().splitlines()[0].strip()


def test_base_image_is_a_two_platform_index(base_image: str, crane: Crane) -> None:
    index = crane.manifest(base_image)
    platforms = sorted(
        f"{m['platform']['os']}/{m['platform']['architecture']}" for m in index["manifests"]
    )
    assert platforms == ["linux/amd64", "linux/arm64"]


def test_ko_build_meets_the_image_contract(service_image: str, crane: Crane) -> None:
    assert "@sha256:" in service_image
    assert verify(service_image, crane) == []


def test_verify_image_script_passes_the_service(service_image: str, registry: Registry) -> None:
    out = run([str(SCRIPTS / "verify-image.sh"), service_image], registry.env)
    assert "linux/amd64 + linux/arm64" in out
    assert "compressed linux/amd64 " in out


def test_shipped_image_is_at_most_8_mib_per_platform(service_image: str, crane: Crane) -> None:
    sizes = image_sizes(service_image, crane)
    report = ", ".join(f"{p} {n / MIB:.2f} MiB ({n:,} bytes)" for p, n in sizes.items())
    print(f"service image, compressed: {report}")
    assert sorted(sizes) == ["linux/amd64", "linux/arm64"]
    assert all(n <= MAX_COMPRESSED_BYTES for n in sizes.values()), report


def _shell_layer(tmp_path: Path) -> Path:
    layer = tmp_path / "shell.tar"
    with tarfile.open(layer, "w") as tar:
        info = tarfile.TarInfo("bin/sh")
        data = b"#!/not/really/a/shell\n"
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
    return layer


def test_verify_refuses_a_shell_and_a_missing_platform(
    service_image: str, registry: Registry, crane: Crane, tmp_path: Path
) -> None:
    repo = repository(service_image)
    index = crane.manifest(service_image)
    digests = {m["platform"]["architecture"]: m["digest"] for m in index["manifests"]}
    layer = _shell_layer(tmp_path)
    tagged = []
    for arch, digest in sorted(digests.items()):
        run(
            [
                "crane",
                "append",
                "-b",
                f"{repo}@{digest}",
                "-f",
                str(layer),
                "-t",
                f"{repo}:shell-{arch}",
            ],
            registry.env,
        )
        tagged.append(
            f"{repo}@" + run(["crane", "digest", f"{repo}:shell-{arch}"], registry.env).strip()
        )
    run(
        ["crane", "index", "append", "-m", tagged[0], "-m", tagged[1], "-t", f"{repo}:shell"],
        registry.env,
    )
    assert verify(f"{repo}:shell", crane) == [
        "linux/amd64: shell present at /bin/sh",
        "linux/arm64: shell present at /bin/sh",
    ]

    run(
        [
            "crane",
            "index",
            "append",
            "-m",
            f"{repo}@{digests['amd64']}",
            "-t",
            f"{repo}:amd64-only",
        ],
        registry.env,
    )
    assert verify(f"{repo}:amd64-only", crane) == ["missing platform linux/arm64"]
    script = subprocess.run(
        [str(SCRIPTS / "verify-image.sh"), f"{repo}:amd64-only"],
        env=registry.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert script.returncode == 1
    assert "missing platform linux/arm64" in script.stderr
