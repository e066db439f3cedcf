"""How the Go service image is built and tagged."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from .base import Model

Platform = Literal["linux/amd64", "linux/arm64"]
DEFAULT_PLATFORMS: tuple[Platform, ...] = ("linux/amd64", "linux/arm64")


GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"
"""The OIDC issuer of GitHub Actions tokens: the identity CI signs with (cosign keyless)."""

DEFAULT_SIGNER_SUBJECT = (
    r"^https://github\.com/gantry-dev/gantry/\.github/workflows/.+@refs/(heads/main|tags/v.+)$"
)
"""This repository's workflows, run from main or a release tag (never from a PR branch)."""


class SignatureVerification(Model):
    """Admission-time check that every pod in the service namespace runs a CI-signed image."""

    enabled: bool = Field(
        default=False,
        description="install sigstore policy-controller and a keyless ClusterImagePolicy "
        "on every target, and opt the service namespace in",
    )
    subject_regexp: str = Field(
        default=DEFAULT_SIGNER_SUBJECT,
        description="regular expression the Fulcio certificate's subject (the workflow "
        "identity that signed) must match",
    )
    mode: Literal["enforce", "warn"] = Field(
        default="enforce",
        description="enforce: unsigned images are rejected; warn: admitted with a warning "
        "(while CI signs only after the rollout)",
    )
    issuer: str = Field(
        default=GITHUB_ACTIONS_ISSUER,
        pattern=r"^https://",
        description="OIDC issuer of the signing identity",
    )

    @field_validator("subject_regexp")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as err:
            msg = f"subject_regexp is not a regular expression: {err}"
            raise ValueError(msg) from err
        if not (pattern.startswith("^") and pattern.endswith("$")):
            msg = "subject_regexp must be anchored (^...$): an unanchored one admits any fork"
            raise ValueError(msg)
        return pattern


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
    signature_verification: SignatureVerification = Field(default_factory=SignatureVerification)
    """Verify the CI's keyless cosign signature at admission (policy-controller)."""

    @field_validator("platforms")
    @classmethod
    def _unique(cls, platforms: list[str]) -> list[str]:
        if len(set(platforms)) != len(platforms):
            msg = "platforms are listed more than once"
            raise ValueError(msg)
        return platforms
