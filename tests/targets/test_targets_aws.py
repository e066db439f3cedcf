"""AwsCluster under mocks: every security setting issue 9 lists, visible on plain resources."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.targets.aws import AwsCluster, AwsClusterArgs
from components.targets.base import ClusterTarget
from components.targets.context import TargetContext
from components.targets.settings import AwsSettings
from gantry import pulumi_internals as sdk
from gantry.config.targets import AwsTarget
from gantry.config_adapter import target_settings
from tests.harness import Recording, is_secret, run_with_mocks, unwrap
from tests.targets.fakes import AWS_CALLS, AWS_FAKES

POOLS = [
    {
        "name": "general-amd64",
        "arch": "amd64",
        "instance_type": "m7i.large",
        "min_size": 3,
        "max_size": 9,
    },
    {
        "name": "general-arm64",
        "arch": "arm64",
        "instance_type": "m7g.large",
        "min_size": 3,
        "max_size": 9,
    },
]


def _config(**overrides: Any) -> AwsSettings:
    base: dict[str, Any] = {
        "cloud": "aws",
        "name": "aws-prod",
        "region": "us-east-1",
        "node_pools": POOLS,
    }
    settings = target_settings(AwsTarget.model_validate({**base, **overrides}))
    assert isinstance(settings, AwsSettings)
    return settings


def _run(config: AwsSettings, *, ha: bool = True) -> tuple[Recording, list[ClusterTarget]]:
    built: list[ClusterTarget] = []

    def program() -> None:
        context = TargetContext(service="hello", object_storage=ha)
        built.append(
            AwsCluster(config.name, AwsClusterArgs(settings=config, context=context)).target
        )

    return run_with_mocks(program, fakes=AWS_FAKES, call_fakes=AWS_CALLS), built


@pytest.fixture(scope="module")
def prod() -> tuple[Recording, list[ClusterTarget]]:
    return _run(_config())


def test_every_child_is_named_after_the_target_and_parented(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    component = rec.one("gantry:targets:AwsCluster", "aws-prod")
    for r in rec.resources:
        if r is component:
            continue
        assert r.name.startswith("aws-prod-"), r.name
        assert r.parent == component.urn, (
            f"{r.type} {r.name} is not a child of the cluster component"
        )


def test_every_aws_resource_uses_the_targets_explicit_provider(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    provider = rec.one("pulumi:providers:aws", "aws-prod-aws")
    assert provider.inputs["region"] == "us-east-1"
    aws_resources = [r for r in rec.resources if r.type.startswith("aws:")]
    assert len(aws_resources) > 40
    for r in aws_resources:
        assert r.provider is not None and r.provider.startswith(provider.urn), r.name


def test_vpc_spans_three_zones_with_private_subnets_and_nat_per_zone(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, built = prod
    subnets = rec.of_type("aws:ec2/subnet:Subnet")
    private = [s for s in subnets if "-private-" in s.name]
    assert sorted(s.inputs["availabilityZone"] for s in private) == [
        "us-east-1a",
        "us-east-1b",
        "us-east-1c",
    ]
    assert all(s.inputs["tags"]["kubernetes.io/role/internal-elb"] == "1" for s in private)
    assert all(not s.inputs.get("mapPublicIpOnLaunch") for s in subnets)
    assert len(rec.of_type("aws:ec2/natGateway:NatGateway")) == 3
    private_routes = [
        r for r in rec.of_type("aws:ec2/routeTable:RouteTable") if "-private-" in r.name
    ]
    assert all(r.inputs["routes"][0]["natGatewayId"] for r in private_routes)
    default_sg = rec.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert not default_sg.inputs.get("ingress") and not default_sg.inputs.get("egress")
    assert built[0].zones == ("us-east-1a", "us-east-1b", "us-east-1c")
    cluster = rec.one("aws:eks/cluster:Cluster")
    assert len(cluster.inputs["vpcConfig"]["subnetIds"]) == 3


def test_cluster_is_private_encrypted_and_fully_logged(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    cluster = rec.one("aws:eks/cluster:Cluster").inputs
    assert cluster["vpcConfig"]["endpointPublicAccess"] is False
    assert cluster["vpcConfig"]["endpointPrivateAccess"] is True
    assert "publicAccessCidrs" not in cluster["vpcConfig"]
    key = rec.one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    assert not key.inputs.get("bypassPolicyLockoutSafetyCheck")
    assert cluster["encryptionConfig"] == {
        "provider": {"keyArn": key.state["arn"]},
        "resources": ["secrets"],
    }
    assert set(cluster["enabledClusterLogTypes"]) == {
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    }
    assert cluster["accessConfig"]["authenticationMode"] == "API"
    log_group = rec.one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert log_group["name"] == "/aws/eks/aws-prod/cluster" and log_group["retentionInDays"] == 90


def test_public_endpoint_is_restricted_to_configured_cidrs() -> None:
    rec, _ = _run(_config(api_public_cidrs=["203.0.113.0/24"]), ha=False)
    vpc = rec.one("aws:eks/cluster:Cluster").inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True
    assert vpc["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_node_groups_per_architecture_with_imdsv2_hop_limit_one(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    groups = {g.name: g.inputs for g in rec.of_type("aws:eks/nodeGroup:NodeGroup")}
    assert groups["aws-prod-general-amd64"]["amiType"] == "AL2023_x86_64_STANDARD"
    assert groups["aws-prod-general-arm64"]["amiType"] == "AL2023_ARM_64_STANDARD"
    assert groups["aws-prod-general-arm64"]["instanceTypes"] == ["m7g.large"]
    assert groups["aws-prod-general-amd64"]["scalingConfig"] == {
        "minSize": 3,
        "maxSize": 9,
        "desiredSize": 3,
    }
    templates = {t.name: t for t in rec.of_type("aws:ec2/launchTemplate:LaunchTemplate")}
    assert set(templates) == {"aws-prod-general-amd64-lt", "aws-prod-general-arm64-lt"}
    for group_name, group in groups.items():
        template = templates[f"{group_name}-lt"]
        assert group["launchTemplate"]["id"] == template.state.get("id", f"{template.name}-id")
        metadata = template.inputs["metadataOptions"]
        assert metadata["httpTokens"] == "required"
        assert metadata["httpPutResponseHopLimit"] == 1
        assert "keyName" not in template.inputs  # no SSH key on nodes
        assert template.inputs["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"
        assert "remoteAccess" not in group


def test_node_role_has_exactly_the_three_worker_policies(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    role = rec.one("aws:iam/role:Role", "aws-prod-node-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    attached = sorted(
        a.inputs["policyArn"].rsplit("/", 1)[1]
        for a in rec.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.inputs["role"] == "aws-prod-node-role"
    )
    assert attached == [
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
    ]
    assert not [
        p
        for p in rec.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"].startswith("aws-prod-node")
    ]


def test_ecr_repository_is_immutable_scanned_kms_encrypted_with_lifecycle(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, built = prod
    repos = {r.name: r for r in rec.of_type("aws:ecr/repository:Repository")}
    repo = repos["aws-prod-ecr"].inputs
    key_arn = rec.one("aws:kms/key:Key").state["arn"]
    assert repo["name"] == "aws-prod/hello"
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key_arn}]
    cache = repos["aws-prod-ecr-cache"].inputs
    assert cache["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert cache["imageTagMutabilityExclusionFilters"] == [
        {"filter": "cache-*", "filterType": "WILDCARD"}
    ]
    assert cache["encryptionConfigurations"] == repo["encryptionConfigurations"]
    policies = {
        p.name: json.loads(p.inputs["policy"])
        for p in rec.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    }
    rules = policies["aws-prod-ecr-lifecycle"]["rules"]
    assert (
        rules[0]["selection"]["tagStatus"] == "untagged"
        and rules[0]["selection"]["countNumber"] == 7
    )
    assert rules[1]["selection"]["countType"] == "imageCountMoreThan"
    assert rules[1]["selection"]["countNumber"] == 30
    assert "aws-prod-ecr-cache-lifecycle" in policies
    assert not rec.of_type("aws:ecr/repositoryPolicy:RepositoryPolicy")

    registry = built[0].registry
    assert registry.cache_image_manifest is True
    assert registry.insecure is False


def test_registry_login_comes_from_ecr_with_a_secret_password(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    calls = [
        args
        for token, args in rec.calls
        if token == "aws:ecr/getAuthorizationToken:getAuthorizationToken"
    ]
    assert calls == [{"registryId": "123456789012"}]


def test_registry_endpoint_values_resolve() -> None:

    seen: dict[str, Any] = {}

    def program() -> None:

        cfg = _config()
        target = AwsCluster(cfg.name, AwsClusterArgs(settings=cfg)).target
        reg = target.registry
        assert reg.password is not None
        seen["secret"] = reg.password.is_secret()
        pulumi.Output.all(
            reg.repository, reg.server, reg.username, reg.password, reg.cache_repository
        ).apply(lambda v: seen.update(values=v))
        seen["kubeconfig_secret"] = target.kubeconfig.is_secret()

    run_with_mocks(program, fakes=AWS_FAKES, call_fakes=AWS_CALLS)
    assert sdk.sync_await(seen["secret"]) is True
    assert sdk.sync_await(seen["kubeconfig_secret"]) is True
    repository, server, username, password, cache = seen["values"]
    assert repository == "123456789012.dkr.ecr.us-east-1.amazonaws.com/aws-prod/hello"
    assert server == "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert (username, password) == ("AWS", "ecr-password-from-sts")
    assert cache == "123456789012.dkr.ecr.us-east-1.amazonaws.com/aws-prod/hello-cache"


def test_outputs_keep_the_kubeconfig_secret_and_exec_based(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    outputs = rec.component_outputs(rec.one("gantry:targets:AwsCluster"))
    assert is_secret(outputs["kubeconfig"])
    kubeconfig = unwrap(outputs["kubeconfig"])
    assert "token" not in kubeconfig.lower().replace("get-token", "")
    assert "aws-prod" in kubeconfig and "--region" in kubeconfig
    assert outputs["cluster_name"] == "aws-prod"
    assert outputs["region"] == "us-east-1"
    assert unwrap(outputs["repository"]).endswith("/aws-prod/hello")
    provider = rec.one("pulumi:providers:kubernetes", "aws-prod-k8s")
    assert is_secret(provider.inputs["kubeconfig"])


def test_ha_buckets_are_private_kms_encrypted_versioned_and_tls_only(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    key_arn = rec.one("aws:kms/key:Key").state["arn"]
    for component in ("loki", "tempo"):
        name = f"aws-prod-{component}"
        block = rec.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name).inputs
        assert all(
            block[k] is True
            for k in (
                "blockPublicAcls",
                "blockPublicPolicy",
                "ignorePublicAcls",
                "restrictPublicBuckets",
            )
        )
        sse = rec.one(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            name,
        ).inputs["rules"][0]["applyServerSideEncryptionByDefault"]
        assert sse == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key_arn}
        versioning = rec.one("aws:s3/bucketVersioning:BucketVersioning", name).inputs
        assert versioning["versioningConfiguration"]["status"] == "Enabled"
        policy = json.loads(rec.one("aws:s3/bucketPolicy:BucketPolicy", name).inputs["policy"])
        assert policy["Statement"][0]["Effect"] == "Deny"


def test_ha_roles_trust_one_service_account_and_reach_one_bucket(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    for component in ("loki", "tempo"):
        role = rec.one("aws:iam/role:Role", f"aws-prod-{component}-role")
        trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
        assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
        condition = trust["Condition"]["StringEquals"]
        issuer = "oidc.eks.us-east-1.amazonaws.com/id/AWS-PROD"
        assert condition == {
            f"{issuer}:sub": f"system:serviceaccount:observability:{component}",
            f"{issuer}:aud": "sts.amazonaws.com",
        }
        bucket_arn = rec.one("aws:s3/bucket:Bucket", f"aws-prod-{component}").state["arn"]
        access = json.loads(
            rec.one("aws:iam/rolePolicy:RolePolicy", f"aws-prod-{component}-access").inputs[
                "policy"
            ]
        )
        resources = {r for s in access["Statement"] for r in s["Resource"]}
        actions = {a for s in access["Statement"] for a in s["Action"]}
        assert resources == {bucket_arn, f"{bucket_arn}/*", rec.one("aws:kms/key:Key").state["arn"]}
        assert all("*" not in a for a in actions)


def test_ha_object_storage_values_and_annotations() -> None:

    seen: dict[str, Any] = {}

    def program() -> None:
        target = AwsCluster(
            "aws-prod",
            AwsClusterArgs(settings=_config(), context=TargetContext(object_storage=True)),
        ).target
        storage = target.storage
        assert storage is not None
        pulumi.Output.all(
            storage.loki_values,
            storage.tempo_values,
            storage.loki_service_account_annotations,
            storage.tempo_service_account_annotations,
        ).apply(lambda v: seen.update(values=v))
        seen["wi"] = target.workload_identity

    run_with_mocks(program, fakes=AWS_FAKES, call_fakes=AWS_CALLS)
    loki, tempo, loki_sa, tempo_sa = seen["values"]
    assert loki["loki"]["storage"]["type"] == "s3"
    assert loki["loki"]["storage"]["bucketNames"]["chunks"] == "aws-prod-loki-a1b2c3"
    assert loki["loki"]["storage"]["s3"]["region"] == "us-east-1"
    assert tempo["tempo"]["storage"]["trace"]["backend"] == "s3"
    assert tempo["tempo"]["storage"]["trace"]["s3"]["bucket"] == "aws-prod-tempo-a1b2c3"
    assert loki_sa == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/aws-prod-loki-role"
    }
    assert tempo_sa == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/aws-prod-tempo-role"
    }
    assert seen["wi"]("hello", "hello") == {}, "the service's own account gets no AWS identity"


def test_small_profile_creates_no_buckets_or_workload_roles() -> None:
    rec, built = _run(_config(name="aws-dev"), ha=False)
    assert not rec.of_type("aws:s3/bucket:Bucket")
    assert {r.name for r in rec.of_type("aws:iam/role:Role")} == {
        "aws-dev-cluster-role",
        "aws-dev-node-role",
    }
    assert built[0].storage is None
