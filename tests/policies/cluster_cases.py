"""Resource rules on one object each (Kubernetes non-workloads, AWS, GCP, Azure, images).

``ResourceCase``: the rule, the Pulumi type, a compliant object, its single-field
mutations with the exact message, and the field that, unknown during preview,
the rule needs (``unknown``). ``{d}`` is how the rule names the resource.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

from cases import DELETE, Edit

RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
SA = "kubernetes:core/v1:ServiceAccount"
CM = "kubernetes:core/v1:ConfigMap"
SVC = "kubernetes:core/v1:Service"
ING = "kubernetes:networking.k8s.io/v1:Ingress"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
ECR = "aws:ecr/repository:Repository"
ECR_SCAN = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
ECR_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
EKS = "aws:eks/cluster:Cluster"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
NG = "aws:eks/nodeGroup:NodeGroup"
KMS = "aws:kms/key:Key"
GKE = "gcp:container/cluster:Cluster"
GKE_POOL = "gcp:container/nodePool:NodePool"
AKS = "azure-native:containerservice:ManagedCluster"
IMAGE = "docker-build:index:Image"
HELM3 = "kubernetes:helm.sh/v3:Release"


@dataclass(frozen=True)
class ResourceCase:
    rule: str
    type: str
    good: dict[str, Any]
    mutations: list[tuple[str, list[Edit], str]]
    unknown: tuple[str | int, ...] | None
    name: str = "res"
    namespace: str | None = None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def display(self) -> str:
        if self.type.startswith("kubernetes:") and not self.type.startswith("kubernetes:helm"):
            kind = self.type.rsplit(":", 1)[-1]
            prefix = f"{self.namespace}/" if self.namespace else ""
            return f"{kind} {prefix}{self.name}"
        return f"{self.type} {self.name}"


def _meta(namespace: str | None = "apps", **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "hello", **extra}
    if namespace:
        meta["namespace"] = namespace
    return meta


def _doc(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


_ROLE_RULES = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
_CHART = {"helm.sh/chart": "kube-prometheus-stack-88.5.3"}
_PEM_KEY = (
    "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx3b5\n-----END RSA PRIVATE KEY-----\n"
)


def _grant(resources: list[str], verbs: list[str]) -> list[Edit]:
    return [(("rules", 0), {"apiGroups": [""], "resources": resources, "verbs": verbs})]


def _rbac_mutations(kind: str) -> list[tuple[str, list[Edit], str]]:
    secrets = (
        "reads secrets cluster-wide (get, list, watch)"
        if kind == "ClusterRole"
        else "reads secrets (get, list, watch) without resourceNames"
    )
    fix = "; list explicit resources and verbs."
    return [
        (
            "wildcard-verbs",
            [(("rules", 0, "verbs"), ["*"])],
            "{d}: rules[0] uses a wildcard (*) in verbs, resources or apiGroups" + fix,
        ),
        (
            "reads-secrets",
            [(("rules", 0, "resources"), ["secrets"])],
            f"{{d}}: rules[0] {secrets}{fix}",
        ),
        (
            "pods-exec",
            _grant(["pods/exec"], ["create"]),
            "{d}: rules[0] allows pods/exec (runs commands in running pods)" + fix,
        ),
        (
            "pods-attach",
            _grant(["pods/attach"], ["create"]),
            "{d}: rules[0] allows pods/attach (attaches to running pods' processes)" + fix,
        ),
        (
            "pods-portforward",
            _grant(["pods/portforward"], ["get"]),
            "{d}: rules[0] allows pods/portforward (port-forwards into pods past their"
            " NetworkPolicies)" + fix,
        ),
        (
            "nodes-proxy",
            _grant(["nodes/proxy"], ["get"]),
            "{d}: rules[0] allows nodes/proxy (reaches the kubelet API (exec in any pod))" + fix,
        ),
        (
            "token-create",
            _grant(["serviceaccounts/token"], ["create"]),
            "{d}: rules[0] allows serviceaccounts/token (mints ServiceAccount tokens)" + fix,
        ),
        (
            "ephemeral-containers",
            _grant(["pods/ephemeralcontainers"], ["patch"]),
            "{d}: rules[0] allows pods/ephemeralcontainers (adds debug containers to running"
            " pods)" + fix,
        ),
        (
            "create-pods",
            _grant(["pods"], ["create"]),
            "{d}: rules[0] creates pods (a new pod can mount any ServiceAccount or Secret)" + fix,
        ),
        (
            "escalate",
            [(("rules", 0, "verbs"), ["escalate", "bind"])],
            "{d}: rules[0] grants bind, escalate" + fix,
        ),
        (
            "impersonate",
            [(("rules", 0), {"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"]})],
            "{d}: rules[0] grants impersonate" + fix,
        ),
    ]


_BINDING = {
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
    "subjects": [{"kind": "ServiceAccount", "name": "hello", "namespace": "apps"}],
}
_BINDING_MUTATION = [
    (
        "cluster-admin",
        [(("roleRef", "name"), "cluster-admin")],
        "{d}: binds cluster-admin; bind a Role with only the verbs it needs.",
    ),
]

_HELLO = {"matchLabels": {"app": "hello"}}
_NO_DRAIN = (
    " allows no voluntary disruption, so every node drain and cluster upgrade waits on it"
    " forever; set maxUnavailable: 1."
)

_ECR_GOOD = {
    "imageTagMutability": "IMMUTABLE",
    "imageScanningConfiguration": {"scanOnPush": True},
    "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": "arn:aws:kms:k"}],
}
_EKS_GOOD = {
    "version": "1.34",
    "vpcConfig": {"endpointPublicAccess": False, "endpointPrivateAccess": True},
    "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": "arn:aws:kms:k"}},
    "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
}
_GKE_GOOD = {
    "workloadIdentityConfig": {"workloadPool": "p.svc.id.goog"},
    "privateClusterConfig": {"enablePrivateNodes": True},
    "masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "10.60.0.0/24"}]},
    "enableShieldedNodes": True,
    "datapathProvider": "ADVANCED_DATAPATH",
    "databaseEncryption": {"state": "ENCRYPTED", "keyName": "projects/p/keys/k"},
    "binaryAuthorization": {"evaluationMode": "PROJECT_SINGLETON_POLICY_ENFORCE"},
}
_AKS_GOOD = {
    "aadProfile": {"managed": True, "enableAzureRBAC": True},
    "disableLocalAccounts": True,
    "apiServerAccessProfile": {"authorizedIPRanges": ["10.70.0.0/24"]},
    "networkProfile": {"networkPolicy": "cilium"},
    "securityProfile": {"defender": {"securityMonitoring": {"enabled": True}}},
}
_DOCKERFILE = (
    "FROM golang:1.25@sha256:" + "b" * 64 + " AS build\nRUN go build ./...\n"
    "FROM scratch\nCOPY --from=build /app /app\nUSER 65532:65532\n"
)
_NODE = {
    "shieldedInstanceConfig": {"enableSecureBoot": True},
    "workloadMetadataConfig": {"mode": "GKE_METADATA"},
}

RESOURCE_CASES: Final[list[ResourceCase]] = [
    ResourceCase(
        "K16",
        SA,
        {"metadata": _meta(), "automountServiceAccountToken": False},
        [
            (
                "automount",
                [(("automountServiceAccountToken",), True)],
                "{d}: set automountServiceAccountToken=false; mount a projected token only in"
                " pods that call the API (or exempt them in the pack config with a reason).",
            )
        ],
        ("automountServiceAccountToken",),
        "hello",
        "apps",
    ),
    ResourceCase(
        "K17",
        CM,
        {"metadata": _meta(), "data": {"LOG_LEVEL": "info"}},
        [
            (
                "no-namespace",
                [(("metadata", "namespace"), DELETE)],
                "ConfigMap hello: set metadata.namespace to the component's own namespace, "
                "not default.",
            )
        ],
        ("metadata", "namespace"),
        "hello",
        None,
    ),
    ResourceCase(
        "K18",
        CM,
        {"metadata": _meta(), "data": {"LOG_LEVEL": "info"}},
        [
            (
                "literal-secret",
                [(("data", "api_key"), "abc123")],
                '{d}: key "api_key" looks like a secret; move it to a Secret (or an external'
                " secret store) and reference it.",
            ),
            (
                "private-key-under-innocent-key",
                [(("data", "tls.pem"), _PEM_KEY)],
                '{d}: key "tls.pem" holds a private key; move it to a Secret (or an external'
                " secret store) and reference it.",
            ),
            (
                "url-with-credentials",
                [(("data", "DATABASE_URL"), "postgres://user:password@host/db")],
                '{d}: key "DATABASE_URL" holds credentials embedded in a URL; move it to a Secret'
                " (or an external secret store) and reference it.",
            ),
            (
                "aws-access-key",
                [(("data", "settings.ini"), "[default]\nid = AKIA" + "IOSFODNN7EXAMPLE\n")],
                '{d}: key "settings.ini" holds an AWS access key id; move it to a Secret (or an'
                " external secret store) and reference it.",
            ),
        ],
        ("data", "api_key"),
        "hello",
        "apps",
    ),
    ResourceCase(
        "K21",
        SVC,
        {"metadata": _meta(), "spec": {"type": "ClusterIP"}},
        [
            (
                "load-balancer",
                [(("spec", "type"), "LoadBalancer")],
                "{d}: type LoadBalancer exposes it outside the cluster; use ClusterIP behind the"
                " ingress, or list the Service under publicServices with a reason.",
            ),
            (
                "node-port",
                [(("spec", "type"), "NodePort")],
                "{d}: type NodePort exposes it outside the cluster; use ClusterIP behind the"
                " ingress, or list the Service under publicServices with a reason.",
            ),
            (
                "external-ips",
                [(("spec", "externalIPs"), ["203.0.113.7"])],
                "{d}: externalIPs exposes it outside the cluster; use ClusterIP behind the"
                " ingress, or list the Service under publicServices with a reason.",
            ),
        ],
        ("spec", "type"),
        "hello",
        "apps",
    ),
    ResourceCase(
        "K21",
        ING,
        {
            "metadata": _meta(),
            "spec": {
                "rules": [{"host": "hello.example.com"}],
                "tls": [{"hosts": ["hello.example.com"], "secretName": "hello-tls"}],
            },
        },
        [
            (
                "no-host",
                [(("spec", "rules", 0, "host"), DELETE), (("spec", "tls", 0, "hosts"), [])],
                "{d}: every rule needs a host; a hostless rule answers for any name.",
            ),
            (
                "no-tls",
                [(("spec", "tls"), DELETE)],
                "{d}: add spec.tls (with a secretName) covering hello.example.com.",
            ),
        ],
        ("spec",),
        "hello",
        "apps",
    ),
    *[
        ResourceCase(
            "K22",
            RBAC + kind,
            {"metadata": _meta(ns), "rules": _ROLE_RULES},
            _rbac_mutations(kind),
            ("rules",),
            "hello",
            ns,
        )
        for kind, ns in (("Role", "apps"), ("ClusterRole", None))
    ],
    *[
        ResourceCase(
            "K22",
            RBAC + kind,
            {"metadata": _meta(ns), **_BINDING},
            _BINDING_MUTATION,
            ("roleRef", "name"),
            "hello",
            ns,
        )
        for kind, ns in (("RoleBinding", "apps"), ("ClusterRoleBinding", None))
    ],
    *[
        ResourceCase(
            "K22a",
            RBAC + kind,
            {"metadata": _meta(ns, labels=_CHART), "rules": _ROLE_RULES},
            _rbac_mutations(kind),
            ("rules",),
            "hello",
            ns,
        )
        for kind, ns in (("Role", "apps"), ("ClusterRole", None))
    ],
    *[
        ResourceCase(
            "K22a",
            RBAC + kind,
            {"metadata": _meta(ns, labels=_CHART), **_BINDING},
            _BINDING_MUTATION,
            ("roleRef", "name"),
            "hello",
            ns,
        )
        for kind, ns in (("RoleBinding", "apps"), ("ClusterRoleBinding", None))
    ],
    ResourceCase(
        "K20a",
        PDB,
        {"metadata": _meta(), "spec": {"maxUnavailable": 1, "selector": _HELLO}},
        [
            (
                "max-unavailable-0",
                [(("spec", "maxUnavailable"), 0)],
                "{d}: maxUnavailable: 0" + _NO_DRAIN,
            ),
            (
                "max-unavailable-0-percent",
                [(("spec", "maxUnavailable"), "0%")],
                '{d}: maxUnavailable: "0%"' + _NO_DRAIN,
            ),
            (
                "min-available-100-percent",
                [(("spec", "maxUnavailable"), DELETE), (("spec", "minAvailable"), "100%")],
                '{d}: minAvailable: "100%"' + _NO_DRAIN,
            ),
        ],
        ("spec", "maxUnavailable"),
        "hello",
        "apps",
    ),
    ResourceCase(
        "K23",
        "kubernetes:policy/v1beta1:PodDisruptionBudget",
        {"metadata": _meta(), "spec": {"maxUnavailable": 1}},
        [
            (
                "beta",
                [],
                "{d}: policy/v1beta1 is a pre-GA Kubernetes API that gets removed; use the GA"
                " version of this kind.",
            )
        ],
        None,
        "hello",
        "apps",
    ),
    ResourceCase(
        "K24",
        HELM3,
        {"chart": "loki"},
        [
            (
                "release",
                [],
                '{d}: chart "loki" is installed as an opaque helm.v3.Release, so the policy'
                " pack cannot check its objects; use kubernetes.helm.v4.Chart.",
            )
        ],
        None,
    ),
    ResourceCase(
        "A01",
        ECR,
        _ECR_GOOD,
        [
            (
                "mutable",
                [(("imageTagMutability",), "MUTABLE")],
                '{d}: set imageTagMutability="IMMUTABLE" so a pushed tag cannot be replaced.',
            )
        ],
        ("imageTagMutability",),
    ),
    ResourceCase(
        "A02",
        ECR,
        _ECR_GOOD,
        [
            (
                "no-scan",
                [(("imageScanningConfiguration", "scanOnPush"), False)],
                "{d}: set imageScanningConfiguration.scanOnPush=true (or registry-level ENHANCED"
                " scanning).",
            )
        ],
        ("imageScanningConfiguration", "scanOnPush"),
    ),
    ResourceCase(
        "A02",
        ECR_SCAN,
        {"scanType": "ENHANCED", "rules": []},
        [
            (
                "basic-no-rule",
                [(("scanType",), "BASIC")],
                '{d}: set scanType="ENHANCED" or a scan-on-push rule for every repository.',
            )
        ],
        ("scanType",),
    ),
    ResourceCase(
        "A03",
        ECR,
        _ECR_GOOD,
        [
            (
                "aes",
                [(("encryptionConfigurations", 0, "encryptionType"), "AES256")],
                '{d}: set encryptionConfigurations=[{{encryptionType: "KMS", kmsKey: <key arn>}}].',
            )
        ],
        ("encryptionConfigurations",),
    ),
    ResourceCase(
        "A03a",
        ECR,
        _ECR_GOOD,
        [
            (
                "aws-managed",
                [(("encryptionConfigurations", 0, "kmsKey"), DELETE)],
                "{d}: use a customer-managed KMS key (encryptionConfigurations[].kmsKey).",
            )
        ],
        None,
    ),
    ResourceCase(
        "A04",
        ECR_POLICY,
        {
            "policy": _doc(
                [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::1:root"},
                        "Action": "ecr:BatchGetImage",
                    }
                ]
            )
        },
        [
            (
                "public",
                [
                    (
                        ("policy",),
                        _doc(
                            [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}]
                        ),
                    )
                ],
                '{d}: a statement allows Principal "*"; name the accounts or roles instead.',
            )
        ],
        ("policy",),
    ),
    ResourceCase(
        "A05",
        EKS,
        _EKS_GOOD,
        [
            (
                "public",
                [(("vpcConfig", "endpointPublicAccess"), True)],
                "{d}: the API endpoint is open to the internet; set"
                " vpcConfig.endpointPublicAccess=false or publicAccessCidrs to your CI/VPN ranges.",
            ),
            (
                "open-cidr",
                [
                    (("vpcConfig", "endpointPublicAccess"), True),
                    (("vpcConfig", "publicAccessCidrs"), ["0.0.0.0/0"]),
                ],
                "{d}: the API endpoint is open to the internet; set"
                " vpcConfig.endpointPublicAccess=false or publicAccessCidrs to your CI/VPN ranges.",
            ),
        ],
        ("vpcConfig", "endpointPublicAccess"),
    ),
    ResourceCase(
        "A06",
        EKS,
        _EKS_GOOD,
        [
            (
                "no-encryption",
                [(("encryptionConfig",), DELETE)],
                '{d}: set encryptionConfig={{resources: ["secrets"], provider: {{keyArn: '
                "<kms key>}}}}.",
            )
        ],
        ("encryptionConfig",),
    ),
    ResourceCase(
        "A07",
        EKS,
        _EKS_GOOD,
        [
            (
                "no-audit",
                [(("enabledClusterLogTypes",), ["api"])],
                "{d}: add audit to enabledClusterLogTypes.",
            )
        ],
        ("enabledClusterLogTypes",),
    ),
    ResourceCase(
        "A07a",
        EKS,
        _EKS_GOOD,
        [
            (
                "some-logs",
                [(("enabledClusterLogTypes",), ["api", "audit"])],
                "{d}: add authenticator, controllerManager, scheduler to enabledClusterLogTypes.",
            ),
            (
                "old-version",
                [(("version",), "1.29")],
                '{d}: Kubernetes "1.29" is outside the supported list (1.32, 1.33, 1.34, 1.35,'
                " 1.36); upgrade.",
            ),
        ],
        ("enabledClusterLogTypes",),
    ),
    ResourceCase(
        "A08",
        LT,
        {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}},
        [
            (
                "imdsv1",
                [(("metadataOptions", "httpTokens"), "optional")],
                '{d}: set metadataOptions.httpTokens="required" (IMDSv2 only).',
            ),
            (
                "hops",
                [(("metadataOptions", "httpPutResponseHopLimit"), 2)],
                "{d}: set metadataOptions.httpPutResponseHopLimit=1 so pods cannot reach IMDS.",
            ),
        ],
        ("metadataOptions", "httpTokens"),
    ),
    ResourceCase(
        "A08",
        NG,
        {"remoteAccess": {"ec2SshKey": "k", "sourceSecurityGroupIds": ["sg-1"]}},
        [
            (
                "ssh-open",
                [(("remoteAccess", "sourceSecurityGroupIds"), DELETE)],
                "{d}: remoteAccess opens SSH to 0.0.0.0/0; remove it (use SSM) or set"
                " sourceSecurityGroupIds.",
            )
        ],
        ("remoteAccess",),
    ),
    ResourceCase(
        "A10",
        "aws:iam/policy:Policy",
        {
            "policy": _doc(
                [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]
            )
        },
        [
            (
                "star",
                [(("policy",), _doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))],
                '{d}: policy allows "*" on "*"; grant the specific actions and ARNs.',
            )
        ],
        ("policy",),
    ),
    ResourceCase(
        "A10",
        "aws:iam/role:Role",
        {
            "inlinePolicies": [
                {
                    "name": "p",
                    "policy": _doc(
                        [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}]
                    ),
                }
            ]
        },
        [
            (
                "star",
                [
                    (
                        ("inlinePolicies", 0, "policy"),
                        _doc([{"Effect": "Allow", "Action": ["*:*"], "Resource": ["*"]}]),
                    )
                ],
                '{d}: inlinePolicies[0].policy allows "*" on "*"; grant the specific actions and'
                " ARNs.",
            )
        ],
        ("inlinePolicies", 0, "policy"),
    ),
    ResourceCase(
        "A10",
        "aws:iam/policyAttachment:PolicyAttachment",
        {"policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "roles": ["r"]},
        [
            (
                "users",
                [(("users",), ["alice"])],
                "{d}: attach policies to roles or groups, not to users.",
            )
        ],
        None,
    ),
    ResourceCase(
        "A11",
        KMS,
        {"enableKeyRotation": True},
        [
            ("no-rotation", [(("enableKeyRotation",), False)], "{d}: set enableKeyRotation=true."),
            (
                "bypass",
                [(("bypassPolicyLockoutSafetyCheck",), True)],
                "{d}: remove bypassPolicyLockoutSafetyCheck; it can lock everyone out of the key.",
            ),
        ],
        ("enableKeyRotation",),
    ),
    ResourceCase(
        "G01",
        GKE,
        _GKE_GOOD,
        [
            (
                "no-wi",
                [(("workloadIdentityConfig",), DELETE)],
                "{d}: enable Workload Identity (workloadIdentityConfig.workloadPool ="
                " <project>.svc.id.goog).",
            ),
            (
                "public-nodes",
                [(("privateClusterConfig", "enablePrivateNodes"), False)],
                "{d}: set privateClusterConfig.enablePrivateNodes=true.",
            ),
            (
                "no-authorized-networks",
                [(("masterAuthorizedNetworksConfig",), DELETE)],
                "{d}: set masterAuthorizedNetworksConfig with your CI/VPN cidrBlocks.",
            ),
            (
                "open-authorized-networks",
                [(("masterAuthorizedNetworksConfig", "cidrBlocks", 0, "cidrBlock"), "0.0.0.0/0")],
                "{d}: masterAuthorizedNetworksConfig must not include 0.0.0.0/0.",
            ),
            (
                "unshielded",
                [(("enableShieldedNodes",), False)],
                "{d}: leave enableShieldedNodes=true.",
            ),
            (
                "no-network-policy",
                [(("datapathProvider",), "LEGACY_DATAPATH")],
                "{d}: enable network policy (networkPolicy.enabled=true or"
                ' datapathProvider="ADVANCED_DATAPATH").',
            ),
            (
                "no-cmek",
                [(("databaseEncryption", "state"), "DECRYPTED")],
                '{d}: encrypt Secrets with Cloud KMS (databaseEncryption {{state: "ENCRYPTED",'
                " keyName}}).",
            ),
        ],
        ("privateClusterConfig", "enablePrivateNodes"),
    ),
    ResourceCase(
        "G01",
        GKE_POOL,
        {"nodeConfig": _NODE},
        [
            (
                "no-secure-boot",
                [(("nodeConfig", "shieldedInstanceConfig", "enableSecureBoot"), False)],
                "{d}: set nodeConfig.shieldedInstanceConfig.enableSecureBoot=true.",
            ),
            (
                "metadata",
                [(("nodeConfig", "workloadMetadataConfig", "mode"), "GCE_METADATA")],
                '{d}: set nodeConfig.workloadMetadataConfig.mode="GKE_METADATA".',
            ),
        ],
        ("nodeConfig", "shieldedInstanceConfig", "enableSecureBoot"),
    ),
    ResourceCase(
        "G01a",
        GKE,
        _GKE_GOOD,
        [
            (
                "no-binauthz",
                [(("binaryAuthorization",), DELETE)],
                '{d}: set binaryAuthorization.evaluationMode="PROJECT_SINGLETON_POLICY_ENFORCE".',
            )
        ],
        ("binaryAuthorization", "evaluationMode"),
    ),
    ResourceCase(
        "Z01",
        AKS,
        _AKS_GOOD,
        [
            (
                "no-entra",
                [(("aadProfile", "enableAzureRBAC"), False)],
                "{d}: enable Entra ID with Azure RBAC (aadProfile {{managed: true,"
                " enableAzureRBAC: true}}).",
            ),
            (
                "local-accounts",
                [(("disableLocalAccounts",), False)],
                "{d}: set disableLocalAccounts=true.",
            ),
            (
                "open-api",
                [(("apiServerAccessProfile", "authorizedIPRanges"), ["0.0.0.0/0"])],
                "{d}: make the API private (enablePrivateCluster) or set authorizedIPRanges.",
            ),
            (
                "no-network-policy",
                [(("networkProfile", "networkPolicy"), DELETE)],
                '{d}: set networkProfile.networkPolicy ("cilium", "azure" or "calico").',
            ),
            (
                "no-defender",
                [(("securityProfile",), DELETE)],
                "{d}: enable Defender (securityProfile.defender.securityMonitoring.enabled=true).",
            ),
        ],
        ("disableLocalAccounts",),
    ),
    ResourceCase(
        "S01",
        IMAGE,
        {"dockerfile": {"inline": _DOCKERFILE}, "context": {"location": "app"}},
        [
            (
                "unpinned",
                [(("dockerfile", "inline"), _DOCKERFILE.replace("@sha256:" + "b" * 64, ""))],
                '{d}: FROM golang:1.25 is not pinned by digest (add "@sha256:...").',
            ),
            (
                "root",
                [(("dockerfile", "inline"), _DOCKERFILE.replace("65532:65532", "0"))],
                "{d}: the final stage runs as USER 0; use a non-root uid such as 65532.",
            ),
            (
                "no-user",
                [(("dockerfile", "inline"), _DOCKERFILE.replace("USER 65532:65532\n", ""))],
                "{d}: the final stage sets no USER (it would run as the base image's user).",
            ),
        ],
        ("dockerfile", "inline"),
    ),
]
