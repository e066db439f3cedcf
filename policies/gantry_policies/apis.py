"""K23-K24: API versions that will not vanish, and Helm charts the pack can see into."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from pulumi_policy import Severity

from .rule import ADVISORY, MANDATORY, Finding, Resource, Rule, violation
from .settings import Settings

_BUILT_IN_GROUPS: Final = frozenset(
    {
        "core",
        "apps",
        "batch",
        "extensions",
        "policy",
        "autoscaling",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "storage.k8s.io",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "certificates.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "node.k8s.io",
        "scheduling.k8s.io",
        "resource.k8s.io",
        "storagemigration.k8s.io",
        "internal.apiserver.k8s.io",
    }
)
_PRE_GA: Final = re.compile(r"v\d+(alpha|beta)\d*")


def _api_version(resource: Resource, _s: Settings) -> Iterable[Finding]:
    parts = resource.type.split(":")
    if len(parts) != 3 or "/" not in parts[1]:
        return
    group, version = parts[1].rsplit("/", 1)
    if group in _BUILT_IN_GROUPS and _PRE_GA.fullmatch(version):
        yield violation(
            f"{resource.display}: {group}/{version} is a pre-GA Kubernetes API that gets removed;"
            " use the GA version of this kind."
        )


def _helm_release(resource: Resource, _s: Settings) -> Iterable[Finding]:
    chart = resource.get("chart")
    label = f' "{chart}"' if isinstance(chart, str) else ""
    yield violation(
        f"{resource.type} {resource.name}: chart{label} is installed as an opaque "
        "helm.v3.Release, so the policy"
        " pack cannot check its objects; use kubernetes.helm.v4.Chart."
    )


RULES: list[Rule] = [
    Rule(
        "K23",
        "disallow-pre-ga-apis",
        "Built-in Kubernetes kinds use GA apiVersions (no alpha/beta/removed).",
        Severity.MEDIUM,
        MANDATORY,
        "Move the object to the GA apiVersion of its kind (kubectl convert).",
        "all Kubernetes kinds",
        check=_api_version,
        types=("kubernetes:",),
    ),
    Rule(
        "K24",
        "prefer-helm-v4-chart",
        "Helm charts are deployed with helm.v4.Chart so their objects are policy-checked.",
        Severity.LOW,
        ADVISORY,
        "Replace helm.v3.Release with helm.v4.Chart (hooks do not run; disable or replace them).",
        "helm.v3.Release",
        check=_helm_release,
        types=("kubernetes:helm.sh/v3:Release",),
    ),
]
