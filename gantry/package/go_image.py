"""`gantry:index:GoImage`: the program's image build, for projects that use the package.

No `from __future__ import annotations`: the SDK's schema inference reads live annotations.
"""

from enum import StrEnum
from typing import Any, Required, TypedDict

import pulumi

from components.go_image.component import GoImage as ProgramGoImage
from components.go_image.component import GoImageArgs as ProgramGoImageArgs
from components.go_image.component import args_problems
from components.targets.base import RegistryEndpoint
from gantry.config.image import ImageConfig

from .inputs import PackageInputError, Problem, join, missing, plain_data, validated


class Platform(StrEnum):
    """A platform of the image index; each is cross-compiled, never emulated."""

    LINUX_AMD64 = "linux/amd64"
    """x86-64 nodes."""
    LINUX_ARM64 = "linux/arm64"
    """ARM64 nodes (Graviton, Ampere, Apple silicon)."""


class ImageBuilder(StrEnum):
    """How the image is built."""

    BUILDX = "buildx"
    """The production Dockerfile through BuildKit (needs Docker; the default)."""
    KO = "ko"
    """Daemonless cross-compile onto `baseImage`; one registry without credentials."""


class Registry(TypedDict, total=False):
    """One target's registry: where the index is pushed and how to log in."""

    repository: Required[pulumi.Input[str]]
    """The full repository without tag or digest, e.g. 127.0.0.1:5001/hello."""
    server: Required[pulumi.Input[str]]
    """The registry host the login is for, e.g. 127.0.0.1:5001."""
    username: pulumi.Input[str]
    """Login user (default none: anonymous)."""
    password: pulumi.Input[str]
    """Secret: login password or token (default none)."""
    insecure: bool
    """Plain http (default false)."""
    cache_repository: pulumi.Input[str]
    """Where per-platform build caches go (buildx; default none: no registry cache)."""
    cache_image_manifest: bool
    """Write the cache as an OCI image manifest, as ECR needs (default false)."""


class GoImageArgs(TypedDict, total=False):
    """The inputs of one GoImage. Paths are relative to the directory the engine runs in
    (the consuming project's)."""

    registries: Required[dict[str, Registry]]
    """Target name -> that target's registry; at least one (ko: exactly one)."""
    version: str
    """Semantic version stamped into the binary and the tags (default 0.1.0)."""
    context: str
    """The Go module directory, the build context (default app)."""
    dockerfile: str
    """The production Dockerfile, buildx only (default app/Dockerfile)."""
    platforms: list[Platform]
    """Platforms of the index, each once (default linux/amd64 and linux/arm64)."""
    builder: ImageBuilder
    """buildx or ko (default buildx)."""
    base_image: str
    """ko's base image by digest; required with ko, ignored by buildx."""
    main: str
    """The Go main package inside `context` (default ./cmd/hello)."""


IMAGE_FIELDS = ("version", "context", "dockerfile", "platforms", "builder")
"""The inputs the program reads from `gantry:image`, checked by its model."""


def _registry(value: Registry) -> RegistryEndpoint:
    password = value.get("password")
    return RegistryEndpoint(
        repository=value["repository"],
        server=value["server"],
        username=value.get("username"),
        password=pulumi.Output.secret(password) if password is not None else None,
        insecure=value.get("insecure", False),
        cache_repository=value.get("cache_repository"),
        cache_image_manifest=value.get("cache_image_manifest", False),
    )


def parse(name: str, args: GoImageArgs) -> ProgramGoImageArgs:
    """The program's GoImage args from the package's inputs; every problem at once."""
    data: dict[str, Any] = plain_data(args)
    problems: list[Problem] = missing(data, ("registries",))
    for target, registry in data.get("registries", {}).items():
        problems += missing(registry, ("repository", "server"), join("registries", target))
    image, found = validated(ImageConfig, {k: data[k] for k in IMAGE_FIELDS if k in data})
    problems += found
    if problems or image is None:
        raise PackageInputError("GoImage", name, problems)
    program_args = ProgramGoImageArgs(
        registries={t: _registry(r) for t, r in args["registries"].items()},
        version=image.version,
        context=image.context,
        dockerfile=image.dockerfile,
        platforms=list(image.platforms),
        builder=image.builder,
        base_image=data.get("base_image"),
        main=data.get("main", ProgramGoImageArgs.main),
    )
    problems = [(join("", field), reason) for field, reason in args_problems(program_args)]
    if problems:
        raise PackageInputError("GoImage", name, problems)
    return program_args


class GoImage(pulumi.ComponentResource):
    """The Go service built once for every platform and pushed as one multi-platform index
    to every target's registry, tagged `<version>-<fingerprint>`: unchanged inputs are never
    rebuilt. Deploy its `refs` by digest."""

    refs: pulumi.Output[dict[str, str]]
    """Target name -> `repository:tag@sha256:...` of the index, what GoService deploys."""
    revision: pulumi.Output[str]
    """The newest commit that changed a build input."""
    fingerprint: pulumi.Output[str]
    """SHA-256 of the build inputs and settings."""

    def __init__(
        self, name: str, args: GoImageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        program_args = parse(name, args)  # before anything is registered
        super().__init__("gantry:index:GoImage", name, None, opts)
        image = ProgramGoImage(name, program_args, pulumi.ResourceOptions(parent=self))
        self.refs = pulumi.Output.all(**image.refs).apply(dict)
        self.revision = pulumi.Output.from_input(image.revision)
        self.fingerprint = pulumi.Output.from_input(image.fingerprint)
        self.register_outputs(
            {"refs": self.refs, "revision": self.revision, "fingerprint": self.fingerprint}
        )
