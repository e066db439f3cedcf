"""Z01: AKS identity, access, network policy and Defender (azure-native engine property names)."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import Severity

from .rule import MANDATORY, FieldCheck, Finding, Resource, Rule, field_checks
from .settings import Settings

AKS_CLUSTER = "azure-native:containerservice:ManagedCluster"


def _aks(r: Resource, _s: Settings) -> Iterable[Finding]:
    private = r.get("apiServerAccessProfile", "enablePrivateCluster")
    ranges = r.get("apiServerAccessProfile", "authorizedIPRanges")
    checks: list[FieldCheck] = [
        (
            "aadProfile",
            (r.get("aadProfile", "managed"), r.get("aadProfile", "enableAzureRBAC")),
            lambda v: v[0] is True and v[1] is True,
            "enable Entra ID with Azure RBAC (aadProfile {managed: true, enableAzureRBAC: true})",
        ),
        (
            "disableLocalAccounts",
            (r.get("disableLocalAccounts"),),
            lambda v: v[0] is True,
            "set disableLocalAccounts=true",
        ),
        (
            "apiServerAccessProfile",
            (private, ranges),
            lambda v: v[0] is True or (bool(v[1]) and "0.0.0.0/0" not in v[1]),
            "make the API private (enablePrivateCluster) or set authorizedIPRanges",
        ),
        (
            "networkProfile.networkPolicy",
            (r.get("networkProfile", "networkPolicy"),),
            lambda v: v[0] in ("azure", "calico", "cilium"),
            'set networkProfile.networkPolicy ("cilium", "azure" or "calico")',
        ),
        (
            "securityProfile.defender",
            (r.get("securityProfile", "defender", "securityMonitoring", "enabled"),),
            lambda v: v[0] is True,
            "enable Defender (securityProfile.defender.securityMonitoring.enabled=true)",
        ),
    ]
    yield from field_checks(r, checks)


RULES: list[Rule] = [
    Rule(
        "Z01",
        "aks-hardening",
        (
            "AKS: Entra ID + Azure RBAC, local accounts off, private or authorized IPs, network "
            "policy, Defender."
        ),
        Severity.HIGH,
        MANDATORY,
        "Set the listed ManagedCluster fields.",
        "containerservice.ManagedCluster",
        check=_aks,
        types=(AKS_CLUSTER,),
    ),
]
