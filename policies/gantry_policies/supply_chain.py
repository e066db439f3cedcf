"""S01-S04: how images are built, signed, described and scanned."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from pulumi_policy import Severity

from .images import matches_repository, parse_image
from .podspec import containers, pod_template
from .rule import ADVISORY, MANDATORY, Finding, Resource, Rule, cannot_verify, violation
from .settings import Settings
from .values import UNKNOWN, plain

IMAGE = "docker-build:index:Image"
_VERIFIERS = frozenset({"ClusterImagePolicy", "ClusterPolicy", "Policy"})
_FROM = re.compile(
    r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE | re.MULTILINE
)
_USER = re.compile(r"^\s*USER\s+(\S+)", re.IGNORECASE | re.MULTILINE)


def dockerfile_problems(text: str) -> list[str]:
    """What S01 finds in a Dockerfile: unpinned FROMs and a root (or missing) final USER."""
    problems = []
    stages: set[str] = set()
    last_from = 0
    for match in _FROM.finditer(text):
        image, alias = match.group(1), match.group(2)
        if image.lower() != "scratch" and image not in stages and "@sha256:" not in image:
            problems.append(f'FROM {image} is not pinned by digest (add "@sha256:...")')
        if alias:
            stages.add(alias)
        last_from = match.end()
    users = _USER.findall(text[last_from:])
    if not users:
        problems.append("the final stage sets no USER (it would run as the base image's user)")
    elif users[-1].split(":")[0] in ("root", "0"):
        problems.append(
            f"the final stage runs as USER {users[-1]}; use a non-root uid such as 65532"
        )
    return problems


PROJECT_ROOT: Final = Path(__file__).resolve().parents[2]
"""The Pulumi project (the pack lives in its ``policies/``): the engine runs the
pack with the pack directory as working directory, while docker-build resolves
``dockerfile.location`` and ``context.location`` against the program's."""


def dockerfile_path(location: object, context: object, root: Path = PROJECT_ROOT) -> Path:
    """Where the Dockerfile of a docker-build Image is, seen from the pack."""
    if isinstance(location, str) and location:
        path = Path(location)
    else:
        path = Path(context if isinstance(context, str) and context else ".") / "Dockerfile"
    return path if path.is_absolute() else root / path


def _dockerfile(r: Resource, _s: Settings) -> Iterable[Finding]:
    inline, location = r.get("dockerfile", "inline"), r.get("dockerfile", "location")
    context = r.get("context", "location")
    if UNKNOWN in (inline, location, context):
        yield cannot_verify("dockerfile", subject=r.display)
        return
    if isinstance(inline, str) and inline:
        text = inline
    else:
        path = dockerfile_path(location, context)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            yield cannot_verify(
                f"dockerfile ({path} is not readable from the policy pack)", subject=r.display
            )
            return
    for problem in dockerfile_problems(text):
        yield violation(f"{r.display}: {problem}.")


def _first_party_images(
    resources: Sequence[Resource], settings: Settings
) -> list[tuple[Resource, str]]:
    found = []
    for r in resources:
        template = pod_template(r.type, r.props)
        for _, _, c in containers(template.spec) if template else []:
            image = c.get("image")
            if not isinstance(image, str):
                continue
            ref = parse_image(image)
            if any(matches_repository(ref, p) for p in settings.first_party_repositories):
                found.append((r, image))
    return found


def _verification_globs(resources: Sequence[Resource]) -> list[str]:
    globs = []
    for r in resources:
        if r.kind not in _VERIFIERS:
            continue
        spec = plain(r.get("spec"))
        if not isinstance(spec, dict):
            continue
        if r.kind == "ClusterImagePolicy" and spec.get("authorities"):
            globs += [i.get("glob") for i in spec.get("images") or [] if isinstance(i, dict)]
        if r.kind in ("ClusterPolicy", "Policy"):
            for rule in spec.get("rules") or []:
                for verify in (rule or {}).get("verifyImages") or []:
                    globs += verify.get("imageReferences") or []
    return [g for g in globs if isinstance(g, str)]


def _signatures(resources: Sequence[Resource], settings: Settings) -> Iterable[Finding]:
    globs = _verification_globs(resources)
    for r, image in _first_party_images(resources, settings):
        name = parse_image(image).name
        if not any(fnmatch.fnmatch(image, g) or fnmatch.fnmatch(name, g) for g in globs):
            yield violation(
                f'{r.display}: image "{image}" is not covered by signature verification; add '
                "a sigstore ClusterImagePolicy (keyless identity of the CI workflow) or a Kyverno "
                "verifyImages rule.",
                r.urn,
            )


def _scanning(resources: Sequence[Resource], settings: Settings) -> Iterable[Finding]:
    images = _first_party_images(resources, settings)
    scanners = [
        r
        for r in resources
        if (
            r.type == "aws:ecr/repository:Repository"
            and r.get("imageScanningConfiguration", "scanOnPush") is True
        )
        or (r.type == "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration")
    ]
    if images and not scanners:
        r, image = images[0]
        yield violation(
            f'{r.display}: no registry scanning is declared for project images such as "{image}";'
            " enable ECR scanOnPush/ENHANCED scanning and keep the CI trivy gate.",
            r.urn,
        )


RULES: list[Rule] = [
    Rule(
        "S01",
        "pin-dockerfile-bases-and-user",
        "Dockerfiles pin every FROM by @sha256 and end with a non-root USER.",
        Severity.HIGH,
        MANDATORY,
        "Write FROM image:tag@sha256:<digest>; end the final stage with USER 65532:65532.",
        "docker-build.Image",
        check=_dockerfile,
        types=(IMAGE,),
    ),
    Rule(
        "S02",
        "require-image-signature-verification",
        "Project images are covered by an admission signature check (sigstore or Kyverno).",
        Severity.HIGH,
        ADVISORY,
        (
            "Deploy policy-controller with a ClusterImagePolicy for the project repository "
            "(mandatory in prod)."
        ),
        "ClusterImagePolicy, ClusterPolicy, workloads (stack)",
        stack_check=_signatures,
    ),
    Rule(
        "S03",
        "attach-sbom-and-provenance",
        "Images carry an SPDX SBOM and max-mode provenance attestation.",
        Severity.MEDIUM,
        ADVISORY,
        (
            "Build with `docker buildx build --sbom=true --provenance=mode=max` (or ko) in CI, "
            "then cosign attest."
        ),
        "CI",
        ci_step=(
            "buildx --sbom=true --provenance=mode=max; cosign verify-attestation --type spdxjson"
        ),
    ),
    Rule(
        "S04",
        "gate-on-vulnerabilities",
        "A CVE gate runs before `up`; registry scanning is declared for project images.",
        Severity.HIGH,
        ADVISORY,
        "CI: trivy image --exit-code 1 --severity CRITICAL,HIGH <ref>; pack: enable ECR scanning.",
        "CI; ecr.* (stack)",
        stack_check=_scanning,
    ),
]
