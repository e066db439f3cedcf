"""The node's own images: the pod sandbox and CoreDNS, assembled here and pushed locally.

No public registry is reachable, so each image is one layer holding a static
binary that scripts/bootstrap.sh built from its pinned module, appended to
gantry's base image (scripts/base-image.sh: nonroot user, CA bundle, no
shell) for this machine's platform. Pulled by digest, like everything else.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .settings import ClusterSettings

ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


@dataclass(frozen=True)
class NodeImage:
    repository: str
    binary: str
    """The file in $GANTRY_CACHE/bin, installed at `path` and run as the entrypoint."""
    path: str = ""
    """Where the binary goes in the image (default /<binary>): upstream's path where
    other programs name it (the operator runs /bin/prometheus-config-reloader)."""

    @property
    def entrypoint(self) -> str:
        return self.path or f"/{self.binary}"


PAUSE = NodeImage("gantry/pause", "gantry-pause")
COREDNS = NodeImage("gantry/coredns", "coredns")
METRICS_SERVER = NodeImage("gantry/metrics-server", "metrics-server")


def crane(s: ClusterSettings, *args: str) -> str:
    """Run the bootstrap's crane; its output, or a RuntimeError with the end of its stderr."""
    done = subprocess.run(
        [str(s.bin / "crane"), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"crane {args[0]} failed: {done.stderr.strip()[-800:]}")
    return done.stdout.strip()


def base_image(s: ClusterSettings) -> str:
    """gantry's base index by digest (built and pushed when missing)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "GANTRY_CACHE": str(s.cache),
            "GANTRY_REGISTRY_PORT": s.registry.rsplit(":", 1)[1],
            "GANTRY_BASE_REF_FILE": str(Path(tmp) / "ref"),
            "PATH": f"{s.bin}:{os.environ.get('PATH', '')}",
        }
        done = subprocess.run(
            [str(s.root / "scripts" / "base-image.sh")],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"scripts/base-image.sh failed: {done.stderr.strip()[-800:]}")
    return done.stdout.strip()


def push(
    s: ClusterSettings, image: NodeImage, binary: Path | None = None, base: str | None = None
) -> str:
    """Push IMAGE for this machine's platform; returns repository@digest. A tag made of
    the binary's and the base's digests makes a warm run one registry look-up. BINARY
    defaults to the bootstrap's build of it, BASE to `base_image(s)` (pass it to push
    several images on one base)."""
    binary = binary or s.bin / image.binary
    base = base or base_image(s)
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()
    tag = hashlib.sha256(f"{digest} {base} {ARCH} {image.entrypoint}".encode()).hexdigest()[:16]
    repo = f"{s.registry}/{image.repository}"
    try:
        return f"{repo}@{crane(s, 'digest', f'{repo}:{tag}')}"
    except RuntimeError:
        pass
    platform_base = (
        f"{base.split('@')[0]}@{crane(s, 'digest', '--platform', f'linux/{ARCH}', base)}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        layer = Path(tmp) / "layer.tar"
        member = image.entrypoint.lstrip("/")
        with tarfile.open(layer, "w") as tar:
            for parent in reversed(Path(member).parents[:-1]):
                folder = tarfile.TarInfo(str(parent))
                folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o755, 0
                tar.addfile(folder)
            info = tar.gettarinfo(str(binary), arcname=member)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o755
            info.mtime = 0
            with binary.open("rb") as f:
                tar.addfile(info, f)
        crane(s, "append", "--base", platform_base, "-f", str(layer), "-t", f"{repo}:{tag}")
    crane(
        s, "mutate", f"{repo}:{tag}", "--entrypoint", image.entrypoint,
        "--set-platform", f"linux/{ARCH}", "-t", f"{repo}:{tag}",
    )  # fmt: skip
    return f"{repo}@{crane(s, 'digest', f'{repo}:{tag}')}"
