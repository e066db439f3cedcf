"""AWS JSON documents and address plans gantry writes, as pure functions.

Kept apart from `aws.py` so they are tested without the SDK or mocks and
read as what they are: IAM and ECR policy documents, and the VPC layout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from ipaddress import IPv4Network, ip_network
from typing import Any

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
"""All five EKS control-plane log types; audit is the one the policy pack requires."""

NODE_POLICY_ARNS = (
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
)
"""The only managed policies the node role gets (A09)."""

CLUSTER_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"

AMI_TYPES = {"amd64": "AL2023_x86_64_STANDARD", "arm64": "AL2023_ARM_64_STANDARD"}


@dataclass(frozen=True)
class SubnetPlan:
    """Per zone: a large private subnet for nodes and pods, a small public one for NAT/LBs."""

    private: tuple[str, ...]
    public: tuple[str, ...]


def subnet_plan(vpc_cidr: str, zones: int = 3) -> SubnetPlan:
    """Split the VPC: the first half into `zones` private subnets, /24-ish public ones after.

    The VPC CNI gives every pod a VPC address, so private subnets get most
    of the space. Raises when the VPC is too small for /24 public subnets.
    """
    vpc = ip_network(vpc_cidr, strict=True)
    if not isinstance(vpc, IPv4Network) or vpc.prefixlen > 20:
        msg = f"vpc_cidr {vpc_cidr} must be an IPv4 network of /20 or larger"
        raise ValueError(msg)
    quarters = list(vpc.subnets(prefixlen_diff=2))  # private: 3 of 4 quarters
    if zones > 3:
        msg = "subnet_plan handles at most three zones"
        raise ValueError(msg)
    private = tuple(str(q) for q in quarters[:zones])
    publics = list(quarters[3].subnets(new_prefix=max(quarters[3].prefixlen + 2, 24)))
    public = tuple(str(p) for p in publics[:zones])
    return SubnetPlan(private=private, public=public)


def assume_role_policy(service: str) -> str:
    """Trust policy letting one AWS service (eks, ec2) assume a role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def irsa_trust_policy(provider_arn: str, issuer_url: str, subject: str) -> str:
    """Trust policy for IRSA: only `subject` (one namespace/service account) may assume it."""
    issuer = issuer_url.removeprefix("https://")
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{issuer}:sub": subject,
                            f"{issuer}:aud": "sts.amazonaws.com",
                        }
                    },
                }
            ],
        }
    )


def bucket_access_policy(bucket_arn: str, key_arn: str) -> str:
    """What Loki or Tempo needs on its own bucket, and nothing else."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "List",
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket"],
                    "Resource": [bucket_arn],
                },
                {
                    "Sid": "Objects",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    "Resource": [f"{bucket_arn}/*"],
                },
                {
                    "Sid": "Key",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": [key_arn],
                },
            ],
        }
    )


def tls_only_bucket_policy(bucket_arn: str) -> str:
    """Deny any request to the bucket that is not over TLS."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def ecr_lifecycle_policy(untagged_days: int, keep_releases: int) -> str:
    """Expire untagged images after `untagged_days`; keep the newest `keep_releases` tagged ones."""
    if untagged_days < 1 or keep_releases < 1:
        msg = "untagged_days and keep_releases must be at least 1"
        raise ValueError(msg)
    rules: list[dict[str, Any]] = [
        {
            "rulePriority": 1,
            "description": f"expire untagged images after {untagged_days} days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": untagged_days,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": f"keep the last {keep_releases} tagged images",
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": ["*"],
                "countType": "imageCountMoreThan",
                "countNumber": keep_releases,
            },
            "action": {"type": "expire"},
        },
    ]
    return json.dumps({"rules": rules})


def ecr_cache_lifecycle_policy(days: int) -> str:
    """Build caches are rebuilt at will: expire anything older than `days`."""
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"expire cache images after {days} days",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": days,
                    },
                    "action": {"type": "expire"},
                }
            ]
        }
    )
