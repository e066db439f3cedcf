"""The image references a stack deployed, read from `pulumi stack output --json`.

CI scans and signs exactly these digests, so what is checked is what runs.
Subcommands (input on stdin, one result per line on stdout):

  refs [--revision SHA]  stack outputs -> `repository@sha256:...` per target
                         (deduplicated, sorted); with --revision, fail unless the
                         stack was last deployed from that commit (`source_revision`;
                         `image_revision` only moves when the image's inputs do).
  manifests              an image index (`docker buildx imagetools inspect --raw`)
                         -> `os/arch[/variant] sha256:...` per platform image,
                         attestation manifests left out.
  registries             refs -> `kind host` per registry, kind = ecr | gar | acr | other,
                         so the caller knows how to log in.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any

DIGEST_REF = re.compile(
    r"^(?P<repo>[a-z0-9][a-z0-9.:_/-]*?)(?::(?P<tag>[\w][\w.-]{0,127}))?@(?P<digest>sha256:[0-9a-f]{64})$"
)
_KINDS = (
    ("ecr", re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")),
    ("gar", re.compile(r"^[a-z0-9-]+-docker\.pkg\.dev$")),
    ("acr", re.compile(r"^[a-z0-9]+\.azurecr\.(io|cn|us)$")),
)


class RefError(ValueError):
    """The outputs do not name a deployable image by digest."""


def digest_ref(ref: str) -> str:
    """`repo:tag@sha256:d` -> `repo@sha256:d`: sign and scan the digest, never a tag."""
    match = DIGEST_REF.match(ref.strip())
    if not match:
        msg = f"{ref!r} is not a repository reference pinned by sha256 digest"
        raise RefError(msg)
    return f"{match.group('repo')}@{match.group('digest')}"


def image_refs(outputs: Mapping[str, Any], revision: str | None = None) -> list[str]:
    """Every target's `image` (an object export per target) as a digest reference."""
    if revision is not None:
        deployed = outputs.get("source_revision")
        if deployed != revision:
            msg = (
                f"the stack was deployed from {deployed!r}, not {revision!r}: "
                "deploy that commit to the stack first"
            )
            raise RefError(msg)
    refs: set[str] = set()
    for name, value in outputs.items():
        if isinstance(value, dict) and "image" in value:
            image = value["image"]
            if not isinstance(image, str):
                msg = f"target {name!r}: image is {image!r}, not a reference (secret or unknown?)"
                raise RefError(msg)
            refs.add(digest_ref(image))
    if not refs:
        msg = "no target in the stack outputs has an 'image'"
        raise RefError(msg)
    return sorted(refs)


def index_manifests(index: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(platform, digest) of an OCI index or Docker manifest list, without attestations."""
    manifests = index.get("manifests")
    if not isinstance(manifests, list) or not manifests:
        msg = "not an image index: the image must be multi-platform (GoImage builds an Index)"
        raise RefError(msg)
    found: list[tuple[str, str]] = []
    for manifest in manifests:
        annotations = manifest.get("annotations") or {}
        if "vnd.docker.reference.type" in annotations:
            continue  # buildx attestation manifests (platform unknown/unknown)
        platform = manifest.get("platform") or {}
        os_name, arch = platform.get("os"), platform.get("architecture")
        if not os_name or not arch or os_name == "unknown":
            continue
        name = f"{os_name}/{arch}" + (f"/{platform['variant']}" if platform.get("variant") else "")
        digest = str(manifest.get("digest", ""))
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            msg = f"{name}: manifest digest {digest!r} is not sha256"
            raise RefError(msg)
        found.append((name, digest))
    if not found:
        msg = "the index names no platform"
        raise RefError(msg)
    return found


def registry_kind(host: str) -> str:
    for kind, pattern in _KINDS:
        if pattern.match(host):
            return kind
    return "other"


def registries(refs: Iterable[str]) -> list[tuple[str, str]]:
    """(kind, host) per distinct registry host of the references."""
    hosts = sorted({ref.strip().split("/", 1)[0] for ref in refs if ref.strip()})
    return [(registry_kind(host), host) for host in hosts]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    refs_cmd = sub.add_parser("refs")
    refs_cmd.add_argument("--revision", default=None)
    sub.add_parser("manifests")
    sub.add_parser("registries")
    args = parser.parse_args(argv)
    try:
        if args.command == "refs":
            lines = image_refs(json.load(sys.stdin), args.revision or None)
        elif args.command == "manifests":
            lines = [f"{p} {d}" for p, d in index_manifests(json.load(sys.stdin))]
        else:
            lines = [f"{kind} {host}" for kind, host in registries(sys.stdin)]
    except (RefError, json.JSONDecodeError) as error:
        print(f"image_refs: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
