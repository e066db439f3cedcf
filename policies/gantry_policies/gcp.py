"""G01: GKE cluster and node-pool hardening (pulumi-gcp engine property names)."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import Severity

from .rule import (
    ADVISORY,
    MANDATORY,
    FieldCheck,
    Finding,
    Resource,
    Rule,
    cannot_verify,
    field_checks,
    violation,
)
from .settings import Settings
from .values import UNKNOWN

GKE_CLUSTER = "gcp:container/cluster:Cluster"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"


def _gke(r: Resource, _s: Settings) -> Iterable[Finding]:
    if r.type == GKE_NODE_POOL:
        yield from _node_config(r, ("nodeConfig",))
        return
    checks: list[FieldCheck] = [
        (
            "workloadIdentityConfig.workloadPool",
            (r.get("workloadIdentityConfig", "workloadPool"),),
            lambda v: bool(v[0]),
            (
                "enable Workload Identity (workloadIdentityConfig.workloadPool = "
                "<project>.svc.id.goog)"
            ),
        ),
        (
            "privateClusterConfig.enablePrivateNodes",
            (r.get("privateClusterConfig", "enablePrivateNodes"),),
            lambda v: v[0] is True,
            "set privateClusterConfig.enablePrivateNodes=true",
        ),
        (
            "masterAuthorizedNetworksConfig",
            (r.get("masterAuthorizedNetworksConfig"),),
            lambda v: bool(v[0]),
            "set masterAuthorizedNetworksConfig with your CI/VPN cidrBlocks",
        ),
        (
            "enableShieldedNodes",
            (r.get("enableShieldedNodes"),),
            lambda v: v[0] is not False,
            "leave enableShieldedNodes=true",
        ),
        (
            "networkPolicy/datapathProvider",
            (r.get("networkPolicy", "enabled"), r.get("datapathProvider")),
            lambda v: v[0] is True or v[1] == "ADVANCED_DATAPATH",
            (
                "enable network policy (networkPolicy.enabled=true or "
                'datapathProvider="ADVANCED_DATAPATH")'
            ),
        ),
        (
            "databaseEncryption",
            (r.get("databaseEncryption", "state"), r.get("databaseEncryption", "keyName")),
            lambda v: v[0] == "ENCRYPTED" and bool(v[1]),
            'encrypt Secrets with Cloud KMS (databaseEncryption {state: "ENCRYPTED", keyName})',
        ),
    ]
    yield from field_checks(r, checks)
    cidrs = r.get("masterAuthorizedNetworksConfig", "cidrBlocks")
    if isinstance(cidrs, list) and any(
        isinstance(c, dict) and c.get("cidrBlock") == "0.0.0.0/0" for c in cidrs
    ):
        yield violation(f"{r.display}: masterAuthorizedNetworksConfig must not include 0.0.0.0/0.")
    if r.get("nodeConfig") is not None:
        yield from _node_config(r, ("nodeConfig",))


def _node_config(r: Resource, path: tuple[str, ...]) -> Iterable[Finding]:
    secure_boot = r.get(*path, "shieldedInstanceConfig", "enableSecureBoot")
    metadata = r.get(*path, "workloadMetadataConfig", "mode")
    if secure_boot is UNKNOWN or metadata is UNKNOWN:
        yield cannot_verify(".".join(path), subject=r.display)
        return
    if secure_boot is not True:
        yield violation(
            f"{r.display}: set {'.'.join(path)}.shieldedInstanceConfig.enableSecureBoot=true."
        )
    if metadata not in (None, "GKE_METADATA"):
        yield violation(
            f'{r.display}: set {".".join(path)}.workloadMetadataConfig.mode="GKE_METADATA".'
        )


def _binary_authorization(r: Resource, _s: Settings) -> Iterable[Finding]:
    mode = r.get("binaryAuthorization", "evaluationMode")
    if mode is UNKNOWN:
        yield cannot_verify("binaryAuthorization.evaluationMode", subject=r.display)
    elif mode != "PROJECT_SINGLETON_POLICY_ENFORCE":
        yield violation(
            f"{r.display}: set "
            'binaryAuthorization.evaluationMode="PROJECT_SINGLETON_POLICY_ENFORCE".'
        )


RULES: list[Rule] = [
    Rule(
        "G01",
        "gke-hardening",
        (
            "GKE: Workload Identity, private nodes + authorized networks, shielded nodes, "
            "network policy, secrets CMEK."
        ),
        Severity.HIGH,
        MANDATORY,
        "Set the listed cluster fields; node pools use secure boot and GKE_METADATA.",
        "container.Cluster, container.NodePool",
        check=_gke,
        types=(GKE_CLUSTER, GKE_NODE_POOL),
    ),
    Rule(
        "G01a",
        "gke-binary-authorization",
        "GKE enforces Binary Authorization.",
        Severity.MEDIUM,
        ADVISORY,
        'binaryAuthorization.evaluationMode="PROJECT_SINGLETON_POLICY_ENFORCE".',
        "container.Cluster",
        check=_binary_authorization,
        types=(GKE_CLUSTER,),
    ),
]
