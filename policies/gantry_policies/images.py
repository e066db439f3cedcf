"""K12-K13: which images may run (tag discipline, digests, registries)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pulumi_policy import Severity

from .podspec import WORKLOAD_TYPES, containers, pod_template
from .rule import MANDATORY, Finding, Resource, Rule, cannot_verify, violation
from .settings import Settings
from .values import UNKNOWN

_WORKLOADS = tuple(sorted(WORKLOAD_TYPES))
_KINDS = "Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob"
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference: ``registry/repository[:tag][@digest]``."""

    registry: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"


def parse_image(image: str) -> ImageRef:
    """Docker's normalisation: no registry means docker.io, single names are library/."""
    rest, at, digest_part = image.partition("@")
    digest = digest_part if at else None
    tag: str | None = None
    last = rest.rsplit("/", 1)[-1]
    if ":" in last:
        rest, tag = rest.rsplit(":", 1)
    first, _, remainder = rest.partition("/")
    if remainder and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, remainder
    else:
        registry, repository = "docker.io", rest if remainder else f"library/{rest}"
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = "docker.io"
    return ImageRef(registry, repository, tag, digest)


def matches_repository(ref: ImageRef, pattern: str) -> bool:
    """True if ``ref`` lives under ``pattern``: ``registry[/path]``, compared segment by segment.

    Each segment may be a glob (``*.dkr.ecr.eu-west-1.amazonaws.com``, ``*.azurecr.io``),
    whose ``*`` never crosses a ``/``; a pattern is a prefix of whole segments, so
    ``quay.io/prometheus`` allows ``quay.io/prometheus/node-exporter`` but not
    ``quay.io/prometheus-evil/x``. A bare name (``grafana``) is not a registry: write
    ``docker.io/grafana``.
    """
    want = pattern.strip("/").split("/")
    have = [ref.registry, *ref.repository.split("/")]
    if len(want) > len(have):
        return False
    return all(fnmatch.fnmatchcase(h, w) for h, w in zip(have, want, strict=False))


def _images(resource: Resource) -> Iterable[tuple[str, str, object]]:
    template = pod_template(resource.type, resource.props)
    if template is None:
        return
    for field_name, index, c in containers(template.spec):
        path = template.field_path(("spec", field_name, index, "image"))
        yield path, str(c.get("name")), c.get("image")
    for field_name in ("initContainers", "containers"):
        if template.spec.get(field_name) is UNKNOWN:
            yield template.field_path(("spec", field_name)), "?", UNKNOWN


def _tags(resource: Resource, settings: Settings) -> Iterable[Finding]:
    for path, name, image in _images(resource):
        if image is UNKNOWN:
            yield cannot_verify(path, subject=resource.display)
            continue
        if not isinstance(image, str) or not image:
            yield violation(f'{resource.display}: container "{name}" has no image.')
            continue
        ref = parse_image(image)
        first_party = any(matches_repository(ref, p) for p in settings.first_party_repositories)
        if first_party and not (ref.digest and _DIGEST.search(image)):
            yield violation(
                f'{resource.display}: container "{name}" runs project image "{image}" '
                "without a digest;"
                " deploy docker-build Image.ref (tag@sha256:...)."
            )
        elif ref.digest is None and ref.tag is None:
            yield violation(
                f'{resource.display}: container "{name}" image "{image}" needs an explicit '
                "tag or digest."
            )
        elif ref.digest is None and ref.tag == "latest":
            yield violation(
                f'{resource.display}: container "{name}" image "{image}" uses :latest; pin a '
                "version."
            )


def _registries(resource: Resource, settings: Settings) -> Iterable[Finding]:
    for path, name, image in _images(resource):
        if image is UNKNOWN:
            yield cannot_verify(path, subject=resource.display)
        elif isinstance(image, str) and image:
            ref = parse_image(image)
            if not any(matches_repository(ref, p) for p in settings.allowed_registries):
                allowed = (
                    ", ".join(settings.allowed_registries)
                    or "none configured: set allowedRegistries"
                )
                yield violation(
                    f'{resource.display}: container "{name}" pulls "{image}" from'
                    f" {ref.registry}, which is not an allowed registry ({allowed}); mirror it"
                    " or add the registry to the config."
                )


RULES: list[Rule] = [
    Rule(
        "K12",
        "require-pinned-images",
        "Images carry a tag that is not latest; project images are pinned by digest.",
        Severity.HIGH,
        MANDATORY,
        (
            "Use a version tag; for images built here pass docker-build Image.ref (tag@sha256) "
            "to the workload."
        ),
        _KINDS,
        check=_tags,
        reads=("firstPartyRepositories",),
        types=_WORKLOADS,
    ),
    Rule(
        "K13",
        "restrict-image-registries",
        "Images come only from the registries in allowedRegistries.",
        Severity.HIGH,
        MANDATORY,
        (
            "Mirror the image into an allowed registry or add its registry to allowedRegistries "
            "with a review."
        ),
        _KINDS,
        check=_registries,
        reads=("allowedRegistries",),
        types=_WORKLOADS,
    ),
]
