"""GoImage: build the Go service once, for every platform, and hand out digests.

Every target deploys `repository@sha256:...` of the same index, so what was
tested on dev is byte-for-byte what prod runs, on amd64 and arm64 nodes alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pulumi

from ..targets.base import RegistryEndpoint
from .buildx import build_with_buildx
from .ko import KoImage
from .metadata import arch_of, image_tags, oci_labels, source_info


@dataclass(frozen=True)
class GoImageArgs:
    """What to build and where to push it.

    registries: target name -> that target's registry; at least one.
    context: the Go module directory (build context); default `app`.
    dockerfile: the production Dockerfile (buildx only); default `app/Dockerfile`.
    platforms: default linux/amd64 and linux/arm64.
    builder: `buildx` (default; the Dockerfile through BuildKit) or `ko`
        (daemonless; one registry only, needs `base_image`).
    base_image: ko's base image; ignored by buildx, whose base is pinned in the Dockerfile.
    main: the Go main package inside `context`; default `./cmd/hello`.
    """

    registries: Mapping[str, RegistryEndpoint]
    version: str
    context: str = "app"
    dockerfile: str = "app/Dockerfile"
    platforms: list[str] = field(default_factory=lambda: ["linux/amd64", "linux/arm64"])
    builder: Literal["buildx", "ko"] = "buildx"
    base_image: str | None = None
    main: str = "./cmd/hello"


def args_problems(args: GoImageArgs) -> list[tuple[str, str]]:
    """(args field, what is wrong) for every arg no build can honour: GoImage checks them
    before it registers anything, and the component package reports them per input."""
    problems: list[tuple[str, str]] = []
    if not args.registries:
        problems.append(("registries", "GoImage needs at least one registry"))
    for platform in args.platforms:
        try:
            arch_of(platform)
        except ValueError as error:
            problems.append(("platforms", str(error)))
    if args.builder != "ko":
        return problems
    if len(args.registries) > 1:
        msg = "the ko builder pushes to one registry; use builder buildx for several targets"
        problems.append(("registries", msg))
    if args.base_image is None:
        msg = "the ko builder needs base_image (see scripts/base-image.sh)"
        problems.append(("base_image", msg))
    if any(endpoint.password is not None for endpoint in args.registries.values()):
        msg = "the ko builder is for registries without credentials (the local stack)"
        problems.append(("registries", msg))
    return problems


def build_settings(args: GoImageArgs) -> dict[str, str]:
    """What besides the files decides the image: the stamped version and the build flags."""
    return {
        "version": args.version,
        "platforms": ",".join(args.platforms),
        "builder": args.builder,
        "main": args.main,
        "dockerfile": args.dockerfile if args.builder == "buildx" else "",
        "base_image": args.base_image or "",
    }


class GoImage(pulumi.ComponentResource):
    """The service image as a multi-platform index in each target's registry.

    The tag is `<version>-<fingerprint12>`: an unchanged set of inputs is never
    rebuilt, re-pushed or rolled out, whatever else was committed.

    Outputs:
        refs: target name -> `repository:tag@sha256:...` of the index, what GoService deploys.
        revision: the newest commit that changed a build input.
        fingerprint: SHA-256 of the build inputs and settings.
    """

    refs: dict[str, pulumi.Output[str]]
    revision: str
    fingerprint: str

    def __init__(
        self, name: str, args: GoImageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = args_problems(args)
        if problems:  # before anything is registered or built
            raise ValueError("; ".join(reason for _, reason in problems))
        super().__init__("gantry:image:GoImage", name, None, opts)
        source = source_info(
            Path(args.context), build_settings(args), extra_files=[Path(args.dockerfile)]
        )
        tags = image_tags(args.version, source.fingerprint)
        self.revision = source.revision
        self.fingerprint = source.fingerprint
        if args.builder == "ko":
            self.refs = self._ko(name, args, tags, source.revision, source.fingerprint)
        else:
            self.refs = build_with_buildx(
                name,
                parent=self,
                context=args.context,
                dockerfile=args.dockerfile,
                platforms=list(args.platforms),
                registries=args.registries,
                tag=tags[-1],
                build_args={
                    "VERSION": args.version,
                    "REVISION": source.revision,
                    "CREATED": source.created,
                },
                labels=oci_labels(args.version, source.revision, source.created),
            )
        self.register_outputs(
            {"refs": self.refs, "revision": self.revision, "fingerprint": self.fingerprint}
        )

    def _ko(
        self, name: str, args: GoImageArgs, tags: list[str], revision: str, fingerprint: str
    ) -> dict[str, pulumi.Output[str]]:
        target, endpoint = next(iter(args.registries.items()))
        image = KoImage(
            f"{name}-ko",
            {
                "context": args.context,
                "main": args.main,
                "repository": endpoint.repository,
                "base_image": args.base_image,
                "platforms": list(args.platforms),
                "tags": tags,
                "version": args.version,
                "revision": revision,
                "fingerprint": fingerprint,
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        return {target: image.ref}
