"""A01-A12: ECR, EKS, node, IAM, KMS and S3 settings (pulumi-aws engine property names)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Final

from pulumi_policy import Severity

from .podspec import WORKLOAD_TYPES, containers, pod_template
from .rule import (
    ADVISORY,
    MANDATORY,
    Finding,
    Resource,
    Rule,
    StackCheck,
    cannot_verify,
    violation,
)
from .settings import Settings
from .values import UNKNOWN, plain

ECR_REPO: Final = "aws:ecr/repository:Repository"
ECR_SCANNING: Final = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
EKS_CLUSTER: Final = "aws:eks/cluster:Cluster"
LAUNCH_TEMPLATE: Final = "aws:ec2/launchTemplate:LaunchTemplate"
NODE_GROUP: Final = "aws:eks/nodeGroup:NodeGroup"
KMS_KEY: Final = "aws:kms/key:Key"
_BUCKETS: Final = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
_PAB: Final = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
_SSE: Final = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
_IAM_POLICY_DOCS: Final = (
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
)
_NODE_POLICIES: Final = frozenset(
    {
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonEC2ContainerRegistryPullOnly",
        "AmazonEKSWorkerNodeMinimalPolicy",
    }
)
ALL_LOG_TYPES: Final = ("api", "audit", "authenticator", "controllerManager", "scheduler")


def _ecr_repository(r: Resource, _s: Settings) -> Iterable[Finding]:
    mutability = r.get("imageTagMutability")
    if mutability is UNKNOWN:
        yield cannot_verify("imageTagMutability", subject=r.display)
    elif mutability not in ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"):
        yield violation(
            f'{r.display}: set imageTagMutability="IMMUTABLE" so a pushed tag cannot be replaced.'
        )


def _ecr_scan(r: Resource, _s: Settings) -> Iterable[Finding]:
    if r.type == ECR_SCANNING:
        scan_type, rules = r.get("scanType"), r.get("rules")
        if UNKNOWN in (scan_type, rules):
            yield cannot_verify("scanType/rules", subject=r.display)
        elif scan_type != "ENHANCED" and not any(
            isinstance(x, dict) and x.get("scanFrequency") for x in rules or []
        ):
            yield violation(
                f'{r.display}: set scanType="ENHANCED" or a scan-on-push rule for every repository.'
            )
        return
    scan = r.get("imageScanningConfiguration", "scanOnPush")
    if scan is UNKNOWN:
        yield cannot_verify("imageScanningConfiguration.scanOnPush", subject=r.display)
    elif scan is not True:
        yield violation(
            f"{r.display}: set imageScanningConfiguration.scanOnPush=true (or registry-level "
            "ENHANCED scanning)."
        )


def _ecr_kms(r: Resource, _s: Settings) -> Iterable[Finding]:
    configs = plain(r.get("encryptionConfigurations"))
    if configs is UNKNOWN:
        yield cannot_verify("encryptionConfigurations", subject=r.display)
        return
    kinds = [c.get("encryptionType") for c in configs or [] if isinstance(c, dict)]
    if "KMS" not in kinds:
        yield violation(
            f"{r.display}: set "
            f'encryptionConfigurations=[{{encryptionType: "KMS", kmsKey: <key arn>}}].'
        )


def _ecr_cmk(r: Resource, _s: Settings) -> Iterable[Finding]:
    configs = plain(r.get("encryptionConfigurations"))
    entries = [c for c in configs if isinstance(c, dict)] if isinstance(configs, list) else []
    uses_kms = any(c.get("encryptionType") == "KMS" for c in entries)
    if uses_kms and not any(c.get("kmsKey") for c in entries):
        yield violation(
            f"{r.display}: use a customer-managed KMS key (encryptionConfigurations[].kmsKey)."
        )


def _policy_doc(text: Any) -> dict[str, Any] | None:
    if isinstance(text, dict):
        return text
    if isinstance(text, str):
        try:
            doc = json.loads(text)
        except ValueError:
            return None
        return doc if isinstance(doc, dict) else None
    return None


def _statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    stmts = doc.get("Statement") or []
    return [s for s in (stmts if isinstance(stmts, list) else [stmts]) if isinstance(s, dict)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _public_principal(stmt: dict[str, Any]) -> bool:
    principal = stmt.get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))


def _ecr_stack(resources: Sequence[Resource], _s: Settings) -> Iterable[Finding]:
    repos = [r for r in resources if r.type == ECR_REPO]
    lifecycle = [r for r in resources if r.type == "aws:ecr/lifecyclePolicy:LifecyclePolicy"]
    for repo in repos:
        name = repo.get("name")
        if not any(
            repo.urn in p.deps.get("repository", ()) or p.get("repository") == name
            for p in lifecycle
        ):
            yield violation(
                f"{repo.display}: add an ecr.LifecyclePolicy that expires untagged images.",
                repo.urn,
            )


def _ecr_repo_policy(r: Resource, _s: Settings) -> Iterable[Finding]:
    doc_text = r.get("policy")
    if doc_text is UNKNOWN:
        yield cannot_verify("policy", subject=r.display)
        return
    doc = _policy_doc(doc_text)
    for stmt in _statements(doc or {}):
        if stmt.get("Effect") == "Allow" and _public_principal(stmt) and not stmt.get("Condition"):
            yield violation(
                f'{r.display}: a statement allows Principal "*"; name the accounts or roles '
                "instead."
            )


def _eks_endpoint(r: Resource, _s: Settings) -> Iterable[Finding]:
    public, cidrs = (
        r.get("vpcConfig", "endpointPublicAccess"),
        plain(r.get("vpcConfig", "publicAccessCidrs")),
    )
    if public is UNKNOWN or cidrs is UNKNOWN:
        yield cannot_verify("vpcConfig.endpointPublicAccess/publicAccessCidrs", subject=r.display)
    elif public is not False and (not cidrs or {"0.0.0.0/0", "::/0"} & set(cidrs)):
        yield violation(
            f"{r.display}: the API endpoint is open to the internet; set "
            "vpcConfig.endpointPublicAccess=false"
            " or publicAccessCidrs to your CI/VPN ranges."
        )


def _eks_encryption(r: Resource, _s: Settings) -> Iterable[Finding]:
    config = plain(r.get("encryptionConfig"))
    if config is UNKNOWN:
        yield cannot_verify("encryptionConfig", subject=r.display)
        return
    config = config if isinstance(config, dict) else {}
    key = (
        (config.get("provider") or {}).get("keyArn")
        if isinstance(config.get("provider"), dict)
        else None
    )
    if "secrets" not in (config.get("resources") or []) or not key:
        yield violation(
            f"{r.display}: set "
            f'encryptionConfig={{resources: ["secrets"], provider: {{keyArn: <kms key>}}}}.'
        )


def _eks_logs(required: Sequence[str], version_check: bool) -> Any:
    def check(r: Resource, settings: Settings) -> Iterable[Finding]:
        logs = plain(r.get("enabledClusterLogTypes"))
        if logs is UNKNOWN:
            yield cannot_verify("enabledClusterLogTypes", subject=r.display)
        else:
            missing = [t for t in required if t not in (logs or [])]
            if missing:
                yield violation(f"{r.display}: add {', '.join(missing)} to enabledClusterLogTypes.")
        if version_check:
            version = r.get("version")
            if isinstance(version, str) and version not in settings.eks_supported_versions:
                yield violation(
                    f'{r.display}: Kubernetes "{version}" is outside the supported list'
                    f" ({', '.join(settings.eks_supported_versions)}); upgrade."
                )

    return check


def _nodes(r: Resource, _s: Settings) -> Iterable[Finding]:
    if r.type == LAUNCH_TEMPLATE:
        tokens = r.get("metadataOptions", "httpTokens")
        hops = r.get("metadataOptions", "httpPutResponseHopLimit")
        if tokens is UNKNOWN or hops is UNKNOWN:
            yield cannot_verify("metadataOptions", subject=r.display)
            return
        if tokens != "required":
            yield violation(
                f'{r.display}: set metadataOptions.httpTokens="required" (IMDSv2 only).'
            )
        if hops != 1:
            yield violation(
                f"{r.display}: set metadataOptions.httpPutResponseHopLimit=1 so pods cannot "
                "reach IMDS."
            )
        return
    remote = plain(r.get("remoteAccess"))
    if remote is UNKNOWN:
        yield cannot_verify("remoteAccess", subject=r.display)
    elif (
        isinstance(remote, dict)
        and remote.get("ec2SshKey")
        and not remote.get("sourceSecurityGroupIds")
    ):
        yield violation(
            f"{r.display}: remoteAccess opens SSH to 0.0.0.0/0; remove it (use SSM) or set "
            "sourceSecurityGroupIds."
        )


def _iam(r: Resource, _s: Settings) -> Iterable[Finding]:
    if r.type in (
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    ):
        yield violation(f"{r.display}: attach policies to roles or groups, not to users.")
        if r.type.endswith("Attachment"):
            return
    if r.type == "aws:iam/policyAttachment:PolicyAttachment" and plain(r.get("users")):
        yield violation(f"{r.display}: attach policies to roles or groups, not to users.")
    docs: list[tuple[str, Any]] = []
    if r.type in _IAM_POLICY_DOCS:
        docs.append(("policy", r.get("policy")))
    if r.type == "aws:iam/role:Role":
        for index, inline in enumerate(plain(r.get("inlinePolicies")) or []):
            if isinstance(inline, dict):
                docs.append((f"inlinePolicies[{index}].policy", inline.get("policy")))
    for where, text in docs:
        if text is UNKNOWN:
            yield cannot_verify(where, subject=r.display)
            continue
        for stmt in _statements(_policy_doc(text) or {}):
            actions = _as_list(stmt.get("Action"))
            res = _as_list(stmt.get("Resource"))
            if (
                stmt.get("Effect") == "Allow"
                and ("*" in actions or "*:*" in actions)
                and "*" in res
            ):
                yield violation(
                    f'{r.display}: {where} allows "*" on "*"; grant the specific actions and ARNs.'
                )


def _kms(r: Resource, _s: Settings) -> Iterable[Finding]:
    rotation, bypass = r.get("enableKeyRotation"), r.get("bypassPolicyLockoutSafetyCheck")
    if rotation is UNKNOWN:
        yield cannot_verify("enableKeyRotation", subject=r.display)
    elif rotation is not True and r.get("customerMasterKeySpec") in (None, "SYMMETRIC_DEFAULT"):
        yield violation(f"{r.display}: set enableKeyRotation=true.")
    if bypass is True:
        yield violation(
            f"{r.display}: remove bypassPolicyLockoutSafetyCheck; it can lock everyone out "
            "of the key."
        )


def _bucket_keys(bucket: Resource) -> set[str]:
    """The values a setting's ``bucket`` input can hold for this bucket: its name (= its id)."""
    keys = {bucket.get("bucket"), bucket.get("id")}
    return {k for k in keys if isinstance(k, str) and k}


def _refers(target: Resource, other: Resource) -> bool:
    """True if ``other`` (a bucket setting) names ``target`` in its ``bucket`` input.

    pulumi-aws v7 settings take ``bucket=bucket.id`` (the bucket's name). During
    preview that value is unknown for a new bucket, so the property dependency
    the engine records for ``bucket`` links them; after ``up`` the value equals
    the bucket's ``bucket`` output.
    """
    if target.urn in other.deps.get("bucket", ()):
        return True
    value = other.get("bucket")
    return isinstance(value, str) and value in _bucket_keys(target)


def _unlinked_unknowns(resources: Sequence[Resource], types: Sequence[str]) -> bool:
    """A setting of ``types`` whose bucket is unknown and unlinked: it may be any bucket."""
    return any(
        r.type in types and r.get("bucket") is UNKNOWN and not r.deps.get("bucket")
        for r in resources
    )


def _node_role(resources: Sequence[Resource], _s: Settings) -> Iterable[Finding]:
    roles = {r.urn: r for r in resources if r.type == "aws:iam/role:Role"}
    node_roles = {
        urn
        for urn, role in roles.items()
        if "ec2.amazonaws.com" in json.dumps(_policy_doc(role.get("assumeRolePolicy")) or {})
    }
    for r in resources:
        if (
            r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
            and set(r.deps.get("role", ())) & node_roles
        ):
            arn = r.get("policyArn")
            if arn is UNKNOWN:
                yield cannot_verify("policyArn", r.urn, r.display)
            elif isinstance(arn, str) and arn.rsplit("/", 1)[-1] not in _NODE_POLICIES:
                yield violation(
                    (
                        f"{r.display}: node role gets {arn}; give pods AWS access through IRSA "
                        "or EKS Pod Identity."
                    ),
                    r.urn,
                )
    for r in resources:
        template = pod_template(r.type, r.props) if r.type in WORKLOAD_TYPES else None
        for _, _, c in containers(template.spec) if template else []:
            for entry in c.get("env") or []:
                if isinstance(entry, dict) and entry.get("name") in (
                    "AWS_ACCESS_KEY_ID",
                    "AWS_SECRET_ACCESS_KEY",
                ):
                    yield violation(
                        (
                            f'{r.display}: container "{c.get("name")}" gets static AWS keys; use '
                            "IRSA or Pod Identity."
                        ),
                        r.urn,
                    )


_PAB_FLAGS: Final = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def _buckets(strict: bool) -> StackCheck:
    def check(resources: Sequence[Resource], _s: Settings) -> Iterable[Finding]:
        for bucket in (r for r in resources if r.type in _BUCKETS):
            related = [r for r in resources if r.urn != bucket.urn and _refers(bucket, r)]
            if strict:
                yield from _private_encrypted(bucket, related, resources)
            else:
                yield from _versioned_logged(bucket, related, resources)

    return check


def _private_encrypted(
    bucket: Resource, related: Sequence[Resource], resources: Sequence[Resource]
) -> Iterable[Finding]:
    pabs = [r for r in related if r.type == _PAB]
    if not any(all(p.get(f) is True for f in _PAB_FLAGS) for p in pabs):
        if any(p.get(f) is UNKNOWN for p in pabs for f in _PAB_FLAGS):
            yield cannot_verify("BucketPublicAccessBlock flags", bucket.urn, bucket.display)
        elif _unlinked_unknowns(resources, (_PAB,)):
            yield cannot_verify("BucketPublicAccessBlock.bucket", bucket.urn, bucket.display)
        else:
            yield violation(
                f"{bucket.display}: add a BucketPublicAccessBlock with all four flags true.",
                bucket.urn,
            )
    sse = [plain(r.get("rules")) for r in related if r.type in _SSE]
    if "aws:kms" not in json.dumps(sse, default=str):
        if _unlinked_unknowns(resources, _SSE) or any(_has_unknown(x) for x in sse):
            yield cannot_verify(
                "BucketServerSideEncryptionConfiguration", bucket.urn, bucket.display
            )
        else:
            yield violation(
                f'{bucket.display}: add server-side encryption with sseAlgorithm "aws:kms".',
                bucket.urn,
            )


def _versioned_logged(
    bucket: Resource, related: Sequence[Resource], resources: Sequence[Resource]
) -> Iterable[Finding]:
    kinds = {r.type.split(":")[1] for r in related}
    for prefix, fix in (
        ("s3/bucketVersioning", "enable BucketVersioning (recover deleted chunks)"),
        ("s3/bucketLogging", "enable BucketLogging for access audit"),
    ):
        if any(k.startswith(prefix) for k in kinds):
            continue
        types = [r.type for r in resources if r.type.split(":")[1].startswith(prefix)]
        if _unlinked_unknowns(resources, types):
            yield cannot_verify(f"{prefix.split('/')[1]}.bucket", bucket.urn, bucket.display)
        else:
            yield violation(f"{bucket.display}: {fix}.", bucket.urn)


def _has_unknown(node: Any) -> bool:
    if node is UNKNOWN:
        return True
    if isinstance(node, dict):
        return any(_has_unknown(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_unknown(v) for v in node)
    return False


_ECR_KINDS = "ecr.Repository"
RULES: list[Rule] = [
    Rule(
        "A01",
        "ecr-immutable-tags",
        "ECR repositories use IMMUTABLE image tags.",
        Severity.HIGH,
        MANDATORY,
        'Set imageTagMutability="IMMUTABLE".',
        _ECR_KINDS,
        check=_ecr_repository,
        types=(ECR_REPO,),
    ),
    Rule(
        "A02",
        "ecr-scan-images",
        "ECR scans images on push (or the registry scans ENHANCED/continuously).",
        Severity.HIGH,
        MANDATORY,
        "Set imageScanningConfiguration.scanOnPush=true or registry ENHANCED scanning.",
        _ECR_KINDS + ", ecr.RegistryScanningConfiguration",
        check=_ecr_scan,
        types=(ECR_REPO, ECR_SCANNING),
    ),
    Rule(
        "A03",
        "ecr-kms-encryption",
        "ECR repositories are encrypted with KMS.",
        Severity.MEDIUM,
        MANDATORY,
        'Set encryptionConfigurations=[{encryptionType: "KMS"}].',
        _ECR_KINDS,
        check=_ecr_kms,
        types=(ECR_REPO,),
    ),
    Rule(
        "A03a",
        "ecr-customer-managed-key",
        "ECR KMS encryption uses a customer-managed key.",
        Severity.LOW,
        ADVISORY,
        "Pass kmsKey (a rotated aws.kms.Key).",
        _ECR_KINDS,
        check=_ecr_cmk,
        types=(ECR_REPO,),
    ),
    Rule(
        "A04",
        "ecr-no-public-repository-policy",
        "ECR repository policies never allow Principal *.",
        Severity.CRITICAL,
        MANDATORY,
        "Name the accounts/roles that may pull.",
        "ecr.RepositoryPolicy",
        check=_ecr_repo_policy,
        types=("aws:ecr/repositoryPolicy:RepositoryPolicy",),
    ),
    Rule(
        "A04a",
        "ecr-lifecycle-policy",
        "Every ECR repository has a LifecyclePolicy.",
        Severity.LOW,
        ADVISORY,
        "Add aws.ecr.LifecyclePolicy expiring untagged images.",
        "ecr.Repository, ecr.LifecyclePolicy (stack)",
        stack_check=_ecr_stack,
    ),
    Rule(
        "A05",
        "eks-private-endpoint",
        "The EKS API endpoint is private or limited to known CIDRs.",
        Severity.CRITICAL,
        MANDATORY,
        "endpointPublicAccess=false, or publicAccessCidrs without 0.0.0.0/0 and ::/0.",
        "eks.Cluster",
        check=_eks_endpoint,
        types=(EKS_CLUSTER,),
    ),
    Rule(
        "A06",
        "eks-secrets-encryption",
        "EKS envelope-encrypts Secrets with KMS.",
        Severity.HIGH,
        MANDATORY,
        'encryptionConfig: resources ["secrets"], provider.keyArn.',
        "eks.Cluster",
        check=_eks_encryption,
        types=(EKS_CLUSTER,),
    ),
    Rule(
        "A07",
        "eks-audit-logging",
        "EKS control-plane audit logs are enabled.",
        Severity.HIGH,
        MANDATORY,
        'Add "audit" to enabledClusterLogTypes.',
        "eks.Cluster",
        check=_eks_logs(("audit",), False),
        types=(EKS_CLUSTER,),
    ),
    Rule(
        "A07a",
        "eks-all-logs-and-supported-version",
        "EKS enables all five log types and runs a supported version.",
        Severity.LOW,
        ADVISORY,
        "Enable all log types; keep version in eksSupportedVersions.",
        "eks.Cluster",
        check=_eks_logs(ALL_LOG_TYPES, True),
        types=(EKS_CLUSTER,),
        reads=("eksSupportedVersions",),
    ),
    Rule(
        "A08",
        "eks-node-hardening",
        "Nodes require IMDSv2 with hop limit 1 and expose no SSH to the internet.",
        Severity.HIGH,
        MANDATORY,
        'Launch template metadataOptions {httpTokens: "required", httpPutResponseHopLimit: 1}.',
        "ec2.LaunchTemplate, eks.NodeGroup",
        check=_nodes,
        types=(LAUNCH_TEMPLATE, NODE_GROUP),
    ),
    Rule(
        "A09",
        "aws-workload-identity",
        "Pods get AWS access via IRSA/Pod Identity; node role only has node policies.",
        Severity.HIGH,
        MANDATORY,
        "Use eks.PodIdentityAssociation or IRSA; keep the node role to worker/CNI/ECR-read.",
        "iam.Role, iam.RolePolicyAttachment, workloads (stack)",
        stack_check=_node_role,
    ),
    Rule(
        "A10",
        "iam-least-privilege",
        "IAM never allows *:* and never attaches policies to users.",
        Severity.CRITICAL,
        MANDATORY,
        "Grant explicit actions/resources; attach to roles or groups.",
        "iam.*",
        check=_iam,
        types=("aws:iam/",),
    ),
    Rule(
        "A11",
        "kms-key-rotation",
        "KMS keys rotate and never bypass the lockout safety check.",
        Severity.MEDIUM,
        MANDATORY,
        "enableKeyRotation=true; drop bypassPolicyLockoutSafetyCheck.",
        "kms.Key",
        check=_kms,
        types=(KMS_KEY,),
    ),
    Rule(
        "A12",
        "s3-private-encrypted-buckets",
        "Loki/Tempo buckets block public access and use SSE-KMS.",
        Severity.HIGH,
        MANDATORY,
        "Add BucketPublicAccessBlock (all true) and SSE with aws:kms.",
        "s3.* (stack)",
        stack_check=_buckets(True),
    ),
    Rule(
        "A12a",
        "s3-versioning-and-logging",
        "Buckets enable versioning and access logging.",
        Severity.LOW,
        ADVISORY,
        "Add BucketVersioning and BucketLogging.",
        "s3.* (stack)",
        stack_check=_buckets(False),
    ),
]
