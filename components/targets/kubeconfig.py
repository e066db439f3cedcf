"""Kubeconfig documents for managed clusters, as pure functions.

Every generated kubeconfig authenticates with a short-lived token from the
cloud's own CLI plugin (exec credential), so no long-lived credential is
ever written into state: the document only names the cluster and how to get
a token for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"


def exec_kubeconfig(
    name: str,
    server: str,
    certificate_authority_data: str,
    *,
    command: str,
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    install_hint: str | None = None,
) -> str:
    """A single-cluster kubeconfig whose user runs `command args` for a token."""
    exec_block: dict[str, Any] = {
        "apiVersion": EXEC_API_VERSION,
        "command": command,
        "args": list(args),
        "interactiveMode": "Never",
        "provideClusterInfo": False,
    }
    if env:
        exec_block["env"] = [{"name": k, "value": v} for k, v in sorted(env.items())]
    if install_hint:
        exec_block["installHint"] = install_hint
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": name,
                "cluster": {
                    "server": server,
                    "certificate-authority-data": certificate_authority_data,
                },
            }
        ],
        "users": [{"name": name, "user": {"exec": exec_block}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
    }
    return yaml.safe_dump(document, sort_keys=False)


def eks_kubeconfig(
    cluster_name: str, endpoint: str, certificate_authority_data: str, region: str
) -> str:
    """EKS: tokens from `aws eks get-token` (IAM identity of whoever runs kubectl/pulumi)."""
    return exec_kubeconfig(
        cluster_name,
        endpoint,
        certificate_authority_data,
        command="aws",
        args=[
            "eks",
            "get-token",
            "--cluster-name",
            cluster_name,
            "--region",
            region,
            "--output",
            "json",
        ],
        install_hint="Install the AWS CLI v2 and sign in (aws sso login, or OIDC from CI).",
    )


def gke_kubeconfig(cluster_name: str, endpoint: str, certificate_authority_data: str) -> str:
    """GKE: tokens from `gke-gcloud-auth-plugin` (Application Default Credentials)."""
    server = endpoint if endpoint.startswith("https://") else f"https://{endpoint}"
    return exec_kubeconfig(
        cluster_name,
        server,
        certificate_authority_data,
        command="gke-gcloud-auth-plugin",
        args=[],
        install_hint="Install it with `gcloud components install gke-gcloud-auth-plugin`.",
    )
