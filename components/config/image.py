"""How the Go service image is built and tagged."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .base import Model

Platform = Literal["linux/amd64", "linux/arm64"]
DEFAULT_PLATFORMS: tuple[Platform, ...] = ("linux/amd64", "linux/arm64")


class ImageConfig(Model):
    """The service image: built once per stack, deployed by digest to every target."""

    repository: str = Field(default="hello", pattern=r"^[a-z0-9]+([._/-][a-z0-9]+)*$")
    """Repository name in every target's registry."""
    context: str = "app"
    """Build context: the Go module of the service."""
    dockerfile: str = "app/Dockerfile"
    """The production Dockerfile (buildx builder)."""
    platforms: list[Platform] = Field(default_factory=lambda: list(DEFAULT_PLATFORMS), min_length=1)
    """Platforms of the index; each is cross-compiled, never emulated."""
    builder: Literal["buildx", "ko"] = Field(
        default="buildx",
        description="buildx: the production Dockerfile through docker-build; "
        "ko: daemonless cross-compile onto a locally assembled base (local stack)",
    )
    version: str = Field(default="0.1.0", pattern=r"^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$")
    """Semantic version: the release tag and the -X stamp."""

    @field_validator("platforms")
    @classmethod
    def _unique(cls, platforms: list[str]) -> list[str]:
        if len(set(platforms)) != len(platforms):
            msg = "platforms are listed more than once"
            raise ValueError(msg)
        return platforms
