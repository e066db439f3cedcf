"""Realistic outputs for cloud resources and invokes under mocks, keyed by type token.

The mocks echo inputs as state; these add what the cloud computes (ARNs,
URLs, endpoints, identities) so the components' applies run as in a real up.
"""

from __future__ import annotations

import base64
from typing import Any

from pulumi.runtime.mocks import MockResourceArgs

ACCOUNT = "123456789012"


def _arn(service: str, kind: str, name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{kind}/{name}"


def _aws_eks(args: MockResourceArgs) -> dict[str, Any]:
    name = args.inputs.get("name", args.name)
    return {
        "arn": _arn("eks", "cluster", name),
        "endpoint": f"https://{name}.gr7.us-east-1.eks.amazonaws.com",
        "certificateAuthority": {"data": "Q0EtREFUQQ=="},
        "identities": [
            {"oidcs": [{"issuer": f"https://oidc.eks.us-east-1.amazonaws.com/id/{name.upper()}"}]}
        ],
    }


def _aws_ecr(args: MockResourceArgs) -> dict[str, Any]:
    name = args.inputs["name"]
    return {
        "registryId": ACCOUNT,
        "repositoryUrl": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{name}",
        "arn": _arn("ecr", "repository", name),
    }


def _aws_bucket(args: MockResourceArgs) -> dict[str, Any]:
    bucket = f"{args.name}-a1b2c3"
    return {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}


AWS_FAKES = {
    "aws:eks/cluster:Cluster": _aws_eks,
    "aws:ecr/repository:Repository": _aws_ecr,
    "aws:s3/bucket:Bucket": _aws_bucket,
    "aws:kms/key:Key": lambda a: {"arn": _arn("kms", "key", a.name), "keyId": f"{a.name}-key-id"},
    "aws:iam/role:Role": lambda a: {"arn": f"arn:aws:iam::{ACCOUNT}:role/{a.name}", "name": a.name},
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda a: {
        "arn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{a.inputs['url'].removeprefix('https://')}"
    },
    "aws:ec2/launchTemplate:LaunchTemplate": lambda a: {"latestVersion": 3},
}

AWS_CALLS = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": lambda a: {
        "names": ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"],
        "zoneIds": ["use1-az1", "use1-az2", "use1-az4", "use1-az6"],
    },
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": lambda a: {
        "userName": "AWS",
        "password": "ecr-password-from-sts",
        "proxyEndpoint": f"https://{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com",
        "authorizationToken": "QVdTOmVjci1wYXNzd29yZA==",
        "expiresAt": "2030-01-01T00:00:00Z",
        "id": "token",
    },
}


PROJECT_NUMBER = "987654321098"


def _gcp_account(args: MockResourceArgs) -> dict[str, Any]:
    email = f"{args.inputs['accountId']}@{args.inputs.get('project', 'gantry-prod-example')}.iam.gserviceaccount.com"  # noqa: E501
    return {
        "email": email,
        "member": f"serviceAccount:{email}",
        "name": f"projects/gantry-prod-example/serviceAccounts/{email}",
    }


GCP_FAKES = {
    "gcp:container/cluster:Cluster": lambda a: {
        "endpoint": "34.1.2.3",
        "masterAuth": {
            "clusterCaCertificate": "R0tFLUNB",
            "clientCertificateConfig": {"issueClientCertificate": False},
        },
    },
    "gcp:serviceaccount/account:Account": _gcp_account,
    "gcp:storage/bucket:Bucket": lambda a: {"name": f"{a.name}-5f3e", "url": f"gs://{a.name}-5f3e"},
    "gcp:artifactregistry/repository:Repository": lambda a: {"name": a.inputs["repositoryId"]},
}

GCP_CALLS = {
    "gcp:organizations/getProject:getProject": lambda a: {
        "projectId": a.args.get("projectId"),
        "number": PROJECT_NUMBER,
        "id": f"projects/{a.args.get('projectId')}",
    },
    "gcp:organizations/getClientConfig:getClientConfig": lambda a: {
        "accessToken": "ya29.short-lived-token",
        "project": "gantry-prod-example",
        "region": "europe-west1",
        "id": "client",
    },
    "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": lambda a: {
        "emailAddress": f"service-{PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com",
        "member": f"serviceAccount:service-{PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com",  # noqa: E501
        "id": "gcs",
    },
}


SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
TENANT = "99999999-8888-7777-6666-555555555555"
DEPLOYER = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
AKS_KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: azure-prod
  cluster:
    server: https://azure-prod.hcp.westeurope.azmk8s.io:443
    certificate-authority-data: QUtTLUNB
users:
- name: clusterUser_azure-prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --login, azurecli]
contexts:
- name: azure-prod
  context: {cluster: azure-prod, user: clusterUser_azure-prod}
current-context: azure-prod
"""

AZURE_FAKES = {
    "azure-native:containerservice:ManagedCluster": lambda a: {
        "name": a.inputs["resourceName"],
        "fqdn": f"{a.inputs['resourceName']}.hcp.westeurope.azmk8s.io",
        "identityProfile": {
            "kubeletidentity": {
                "objectId": "kubelet-object-id",
                "clientId": "kubelet-client-id",
                "resourceId": "r",
            }
        },
        "oidcIssuerProfile": {
            "enabled": True,
            "issuerURL": "https://westeurope.oic.prod-aks.azure.com/tenant/issuer/",
        },
    },
    "azure-native:containerregistry:Registry": lambda a: {
        "loginServer": f"{a.inputs['registryName']}.azurecr.io"
    },
    "azure-native:managedidentity:UserAssignedIdentity": lambda a: {
        "clientId": f"{a.name}-client-id",
        "principalId": f"{a.name}-principal-id",
        "name": a.inputs["resourceName"],
    },
    "azure-native:storage:StorageAccount": lambda a: {"name": a.inputs["accountName"]},
    "random:index/randomString:RandomString": lambda a: {"result": "x7k2q9"},
}

AZURE_CALLS = {
    "azure-native:authorization:getClientConfig": lambda a: {
        "clientId": "deployer-client-id",
        "objectId": DEPLOYER,
        "subscriptionId": SUBSCRIPTION,
        "tenantId": TENANT,
    },
    "azure-native:authorization:getClientToken": lambda a: {"token": "entra-access-token"},
    "azure-native:containerservice:listManagedClusterUserCredentials": lambda a: {
        "kubeconfigs": [
            {"name": "clusterUser", "value": base64.b64encode(AKS_KUBECONFIG.encode()).decode()}
        ]
    },
}
