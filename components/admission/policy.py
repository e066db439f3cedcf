"""The ClusterImagePolicy that admits only images CI signed, as pure data.

policy-controller matches `images[].glob` against the image's normalised name
(`registry/repository@sha256:...`, or `...:tag` without a digest), where `*`
stops at `/` and `**` crosses it; `@` is not allowed in a glob. `<repository>*`
therefore covers every digest and tag of the repository. It also covers a
sibling whose name merely starts the same (`hello-x`): that only asks for
more signatures, never fewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

INCLUDE_LABEL = "policy.sigstore.dev/include"
"""policy-controller checks pods only in namespaces labelled with this = "true"."""

API_VERSION = "policy.sigstore.dev/v1beta1"
DEFAULT_FULCIO_URL = "https://fulcio.sigstore.dev"
DEFAULT_REKOR_URL = "https://rekor.sigstore.dev"


def image_glob(repository: str) -> str:
    """The glob covering every tag and digest of `repository` (no tag, no digest)."""
    if not repository or any(c in repository for c in "@*"):
        msg = f"'{repository}' is not a repository address (registry/path, no tag or digest)"
        raise ValueError(msg)
    last = repository.rsplit("/", 1)[-1]
    if "/" not in repository or ":" in last:
        msg = f"'{repository}' must name its registry and carry no tag"
        raise ValueError(msg)
    return f"{repository}*"


def keyless_authority(
    *,
    issuer: str,
    subject_regexp: str,
    fulcio_url: str = DEFAULT_FULCIO_URL,
    rekor_url: str = DEFAULT_REKOR_URL,
) -> dict[str, Any]:
    """A Fulcio certificate for exactly this OIDC identity, logged in Rekor."""
    return {
        "name": "ci-keyless",
        "keyless": {
            "url": fulcio_url,
            "identities": [{"issuer": issuer, "subjectRegExp": subject_regexp}],
        },
        "ctlog": {"url": rekor_url},
    }


def cluster_image_policy(
    name: str,
    globs: Sequence[str],
    authority: dict[str, Any],
    mode: Literal["enforce", "warn"] = "enforce",
) -> dict[str, Any]:
    """The ClusterImagePolicy object: these globs need this authority's signature."""
    if not globs:
        msg = "a ClusterImagePolicy needs at least one image glob"
        raise ValueError(msg)
    return {
        "apiVersion": API_VERSION,
        "kind": "ClusterImagePolicy",
        "metadata": {"name": name},
        "spec": {
            "mode": mode,
            "images": [{"glob": g} for g in sorted(set(globs))],
            "authorities": [authority],
        },
    }
