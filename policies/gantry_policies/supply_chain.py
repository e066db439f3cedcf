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


_ECR_HOST = "*.dkr.ecr.*.amazonaws.com"
_AR_HOST = "*-docker.pkg.dev"
_ACR_HOST = "*.azurecr.io"


def _scans_ecr(r: Resource) -> bool:
    if r.type == "aws:ecr/repository:Repository":
        return r.get("imageScanningConfiguration", "scanOnPush") is True
    if r.type == "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration":
        rules = r.get("rules")
        return r.get("scanType") == "ENHANCED" or (
            isinstance(rules, list)
            and any(isinstance(x, dict) and x.get("scanFrequency") for x in rules)
        )
    return False


def _scans_artifact_registry(r: Resource) -> bool:
    if r.type == "gcp:projects/service:Service":
        return bool(r.get("service") == "containerscanning.googleapis.com")
    if r.type == "gcp:container/cluster:Cluster":
        mode = r.get("securityPostureConfig", "vulnerabilityMode")
        return mode in ("VULNERABILITY_BASIC", "VULNERABILITY_ENTERPRISE")
    return False


def _scans_acr(r: Resource) -> bool:
    if r.type == "azure-native:containerservice:ManagedCluster":
        return r.get("securityProfile", "defender", "securityMonitoring", "enabled") is True
    if r.type == "azure-native:security:Pricing":
        return bool(r.get("pricingName") == "Containers" and r.get("pricingTier") == "Standard")
    return False


_SCANNERS = (
    (_ECR_HOST, _scans_ecr, "ECR scanOnPush or ENHANCED registry scanning"),
    (_AR_HOST, _scans_artifact_registry,
     "the containerscanning.googleapis.com service or GKE securityPostureConfig.vulnerabilityMode"),
    (_ACR_HOST, _scans_acr, "Defender for Containers (securityProfile.defender or a Pricing)"),
)  # fmt: skip


def _scanning(resources: Sequence[Resource], settings: Settings) -> Iterable[Finding]:
    """Each project image's registry has a scanner declared in the stack (per registry kind)."""
    reported: set[tuple[str, str]] = set()
    for r, image in _first_party_images(resources, settings):
        registry = parse_image(image).registry
        if (r.urn, registry) in reported:
            continue
        reported.add((r.urn, registry))
        kind = next((k for k in _SCANNERS if fnmatch.fnmatchcase(registry, k[0])), None)
        if kind is not None and any(kind[1](x) for x in resources):
            continue
        how = kind[2] if kind else "a registry that scans on push"
        yield violation(
            f'{r.display}: no registry scanning is declared for project image "{image}";'
            f" enable {how}, and keep the CI trivy gate.",
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
        reads=("firstPartyRepositories",),
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
        reads=("firstPartyRepositories",),
    ),
]
