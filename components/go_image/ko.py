"""The daemonless path: `ko` cross-compiles per platform onto a base image.

Used by the `local` stack, where no Docker engine runs and no public image
can be pulled: the base is assembled locally (scripts/base-image.sh) and ko
pushes a multi-platform index with an SPDX SBOM per image. The production
path stays the Dockerfile (buildx.py); both stamp the same -X variables.

A Pulumi dynamic provider runs ko, so the engine tracks the pushed digest
in state like any other resource. Its inputs include a fingerprint of the
source, so an unchanged tree never rebuilds, as long as the registry still
serves the digest: every diff asks it (registry.py), a lost image is built
again, and a registry that does not answer fails the step with its name,
before anything that runs the image is deployed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from .registry import check_answers, holds

VERSION_PACKAGE = "github.com/gantry-dev/gantry/app/internal/version"
INPUT_KEYS = (
    "context",
    "main",
    "repository",
    "base_image",
    "platforms",
    "tags",
    "version",
    "revision",
    "fingerprint",
)


def ko_config(main: str, version: str, revision: str) -> str:
    """The .ko.yaml for one build: same flags and -X stamps as the Dockerfile."""
    ldflags = (
        f"-s -w -buildid= -X {VERSION_PACKAGE}.Version={version} "
        f"-X {VERSION_PACKAGE}.Revision={revision}"
    )
    return (
        "builds:\n"
        "  - id: service\n"
        f"    main: {main}\n"
        "    env: [CGO_ENABLED=0]\n"
        "    flags: [-trimpath]\n"
        f"    ldflags: [{ldflags!r}]\n"
    ).replace("'", '"')


def ko_command(props: dict[str, Any], refs_file: str) -> list[str]:
    """The `ko build` argv for the given resource inputs; ko writes the index ref to refs_file."""
    return [
        os.environ.get("GANTRY_KO", "ko"),
        "build",
        props["main"],
        "--bare",
        "--platform=" + ",".join(props["platforms"]),
        "--tags=" + ",".join(props["tags"]),
        "--sbom=spdx",
        f"--image-refs={refs_file}",
    ]


def _build(props: dict[str, Any]) -> dict[str, Any]:
    ko = shutil.which(os.environ.get("GANTRY_KO", "ko"))
    if ko is None:
        msg = "ko is not installed: run `make bootstrap` (scripts/bootstrap.sh) first"
        raise RuntimeError(msg)
    with tempfile.TemporaryDirectory(prefix="gantry-ko-") as workdir:
        Path(workdir, ".ko.yaml").write_text(
            ko_config(props["main"], props["version"], props["revision"])
        )
        env = {
            **os.environ,
            "KO_DOCKER_REPO": props["repository"],
            "KO_DEFAULTBASEIMAGE": props["base_image"],
            "KO_CONFIG_PATH": workdir,
        }
        done = subprocess.run(
            ko_command(props, f"{workdir}/refs.txt"),
            cwd=Path(props["context"]).resolve(),
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            check_answers(props["repository"])  # a registry that is down says so in one line
            msg = f"ko build failed ({done.returncode}):\n{done.stderr[-4000:]}"
            raise RuntimeError(msg)
        # ko writes the multi-platform index first, then each platform's image.
        ref = Path(workdir, "refs.txt").read_text().strip().splitlines()[0]
    digest = ref.rpartition("@")[2]
    return {**props, "ref": f"{props['repository']}:{props['tags'][-1]}@{digest}", "digest": digest}


class KoProvider(ResourceProvider):
    """Builds on create and on any input change; pushed images are left to the registry."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = _build(props)
        return CreateResult(id_=outs["digest"], outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in INPUT_KEYS if olds.get(key) != news.get(key)]
        if not changed and olds.get("digest"):
            # Same inputs: still the same image only if the registry still serves it.
            changed = [] if holds(olds["repository"], olds["digest"]) else ["digest"]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=_build(news))


class KoImage(pulumi.dynamic.Resource):
    """A multi-platform index pushed by ko; `ref` is `repo:tag@sha256:...`."""

    ref: pulumi.Output[str]
    digest: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        props: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(KoProvider(), name, {**props, "ref": None, "digest": None}, opts)
