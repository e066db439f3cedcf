"""The `aws` target: EKS in its own VPC, with ECR and (ha) S3 for Loki and Tempo.

Built from plain pulumi-aws resources, not `pulumi_eks.Cluster` or awsx:
those are remote components that reach the engine (and our mocks) as ONE
registration, so the policy pack would only see their inputs, never the
cluster, launch templates, IAM roles or KMS key they create. With plain
resources every security setting is a visible, tested property. The cost is
this module (VPC, IAM and node groups spelled out), which is what a reviewer
should read anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from . import aws_documents as docs
from . import storage_values
from .base import ClusterTarget, IdentityBindings, ObjectStorage, RegistryEndpoint
from .context import TargetContext
from .kubeconfig import eks_kubeconfig
from .settings import AwsSettings, NodePool

ZONES = 3
LOG_RETENTION_DAYS = 90
CACHE_EXPIRY_DAYS = 14
CACHE_TAG_FILTER = "cache-*"
"""Build-cache tags are rewritten on every build: the only tags exempt from immutability."""


@dataclass(frozen=True)
class AwsClusterArgs:
    """`settings`: the target's own settings. `context`: service name, ha flag, namespaces."""

    settings: AwsSettings
    context: TargetContext = field(default_factory=TargetContext)


class AwsCluster(pulumi.ComponentResource):
    """EKS with private nodes across three zones, envelope-encrypted secrets and full audit logs.

    Outputs: `kubeconfig` (secret, exec-based: no token in state),
    `cluster_name`, `region`, `repository`, `oidc_issuer`, and (ha)
    `loki_bucket`, `tempo_bucket`. `target` is the ClusterTarget.
    """

    target: ClusterTarget

    def __init__(
        self, name: str, args: AwsClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gantry:targets:AwsCluster", name, None, opts)
        self._name = name
        self._cfg = args.settings
        self._ctx = args.context
        self._provider = aws.Provider(
            f"{name}-aws",
            region=self._cfg.region,
            default_tags={"tags": {"gantry:target": self._cfg.name, "managed-by": "pulumi-gantry"}},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._opts = pulumi.ResourceOptions(parent=self, provider=self._provider)
        zones = aws.get_availability_zones(
            state="available", opts=pulumi.InvokeOptions(parent=self, provider=self._provider)
        ).names[:ZONES]
        if len(zones) < ZONES:
            msg = (
                f"region {self._cfg.region} has {len(zones)} available zones; gantry needs {ZONES}"
            )
            raise ValueError(msg)
        self.zones = tuple(zones)

        self.kms_key = aws.kms.Key(
            f"{name}-kms",
            description=f"gantry {name}: EKS secrets, ECR images and S3 objects",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=self._opts,
        )
        aws.kms.Alias(
            f"{name}-kms-alias",
            name=f"alias/gantry-{name}",
            target_key_id=self.kms_key.key_id,
            opts=self._opts,
        )
        self.private_subnet_ids = self._network()
        self.cluster = self._cluster()
        self._node_roles = self._node_role()
        self.node_groups = [self._node_group(pool) for pool in self._cfg.node_pools]
        self.oidc_provider = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc",
            url=self._issuer,
            client_id_lists=["sts.amazonaws.com"],
            opts=self._opts,
        )
        registry = self._registry()
        storage, identities = (
            self._storage() if self._ctx.object_storage else (None, IdentityBindings())
        )

        region = self._cfg.region
        document: pulumi.Output[str] = pulumi.Output.all(
            self.cluster.name, self.cluster.endpoint, self.cluster.certificate_authority.data
        ).apply(lambda v: eks_kubeconfig(v[0], v[1], v[2], region))
        kubeconfig: pulumi.Output[str] = pulumi.Output.secret(document)
        k8s_provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=kubeconfig,
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.node_groups),
        )
        self.target = ClusterTarget(
            name=self._cfg.name,
            provider=k8s_provider,
            kubeconfig=kubeconfig,
            cluster_name=self.cluster.name,
            region=self._cfg.region,
            registry=registry,
            managed_control_plane=True,
            storage=storage,
            workload_identity=identities,
            zones=self.zones,
        )
        outputs: dict[str, pulumi.Input[object]] = {
            "kubeconfig": kubeconfig,
            "cluster_name": self.cluster.name,
            "region": self._cfg.region,
            "repository": registry.repository,
            "oidc_issuer": self._issuer,
        }
        if storage is not None:
            outputs["loki_bucket"] = self._buckets["loki"].bucket
            outputs["tempo_bucket"] = self._buckets["tempo"].bucket
        self.register_outputs(outputs)

    # --- network -----------------------------------------------------------------

    def _network(self) -> list[pulumi.Output[str]]:
        """VPC, public subnets with one NAT gateway per zone, private subnets for nodes and pods."""
        name, plan = self._name, docs.subnet_plan(self._cfg.vpc_cidr, ZONES)
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=self._cfg.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"gantry-{name}"},
            opts=self._opts,
        )
        # CIS: the default security group allows nothing.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=self.vpc.id, opts=self._opts)
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id, opts=self._opts)
        public_rt = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=self.vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
            opts=self._opts,
        )
        private_ids = []
        for i, zone in enumerate(self.zones):
            public = aws.ec2.Subnet(
                f"{name}-public-{i}",
                vpc_id=self.vpc.id,
                cidr_block=plan.public[i],
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"gantry-{name}-public-{zone}", "kubernetes.io/role/elb": "1"},
                opts=self._opts,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{i}",
                subnet_id=public.id,
                route_table_id=public_rt.id,
                opts=self._opts,
            )
            eip = aws.ec2.Eip(f"{name}-nat-{i}", domain="vpc", opts=self._opts)
            nat = aws.ec2.NatGateway(
                f"{name}-nat-{i}", subnet_id=public.id, allocation_id=eip.id, opts=self._opts
            )
            private = aws.ec2.Subnet(
                f"{name}-private-{i}",
                vpc_id=self.vpc.id,
                cidr_block=plan.private[i],
                availability_zone=zone,
                tags={
                    "Name": f"gantry-{name}-private-{zone}",
                    "kubernetes.io/role/internal-elb": "1",
                },
                opts=self._opts,
            )
            private_rt = aws.ec2.RouteTable(
                f"{name}-private-{i}",
                vpc_id=self.vpc.id,
                routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
                opts=self._opts,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{i}",
                subnet_id=private.id,
                route_table_id=private_rt.id,
                opts=self._opts,
            )
            private_ids.append(private.id)
        return private_ids

    # --- control plane -----------------------------------------------------------

    def _cluster(self) -> aws.eks.Cluster:
        name, cfg = self._name, self._cfg
        role = aws.iam.Role(
            f"{name}-cluster-role",
            assume_role_policy=docs.assume_role_policy("eks.amazonaws.com"),
            opts=self._opts,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-cluster-policy",
            role=role.name,
            policy_arn=docs.CLUSTER_POLICY_ARN,
            opts=self._opts,
        )
        # Created first so gantry owns its retention (EKS would create it without one).
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane-logs",
            name=f"/aws/eks/{cfg.name}/cluster",
            retention_in_days=LOG_RETENTION_DAYS,
            opts=self._opts,
        )
        public = bool(cfg.api_public_cidrs)
        vpc_config: aws.eks.ClusterVpcConfigArgsDict = {
            "subnet_ids": self.private_subnet_ids,
            "endpoint_private_access": True,
            "endpoint_public_access": public,
        }
        if public:
            vpc_config["public_access_cidrs"] = list(cfg.api_public_cidrs)
        return aws.eks.Cluster(
            f"{name}-eks",
            name=cfg.name,
            version=cfg.kubernetes_version,
            role_arn=role.arn,
            vpc_config=vpc_config,
            encryption_config={"provider": {"key_arn": self.kms_key.arn}, "resources": ["secrets"]},
            enabled_cluster_log_types=list(docs.CONTROL_PLANE_LOG_TYPES),
            # Access entries (not the aws-auth ConfigMap); the identity running
            # `pulumi up` is the first admin, further admins are access entries.
            access_config={
                "authentication_mode": "API",
                "bootstrap_cluster_creator_admin_permissions": True,
            },
            upgrade_policy={"support_type": "STANDARD"},
            opts=pulumi.ResourceOptions.merge(
                self._opts, pulumi.ResourceOptions(depends_on=[attachment, log_group])
            ),
        )

    @property
    def _issuer(self) -> pulumi.Output[str]:
        issuer: pulumi.Output[str] = self.cluster.identities.apply(
            lambda ids: ids[0]["oidcs"][0]["issuer"]
        )
        return issuer

    # --- nodes -------------------------------------------------------------------

    def _node_role(self) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
        """The nodes' role: worker, CNI and ECR read-only policies, nothing else (A09)."""
        role = aws.iam.Role(
            f"{self._name}-node-role",
            assume_role_policy=docs.assume_role_policy("ec2.amazonaws.com"),
            opts=self._opts,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{self._name}-node-{arn.rsplit('/', 1)[1]}",
                role=role.name,
                policy_arn=arn,
                opts=self._opts,
            )
            for arn in docs.NODE_POLICY_ARNS
        ]
        return role, attachments

    def _node_group(self, pool: NodePool) -> aws.eks.NodeGroup:
        """One managed node group per architecture; IMDSv2 only, hop limit 1 (no IMDS from pods)."""
        name = f"{self._name}-{pool.name}"
        role, attachments = self._node_roles
        template = aws.ec2.LaunchTemplate(
            f"{name}-lt",
            description=f"gantry {pool.name} ({pool.arch}) nodes",
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                "http_put_response_hop_limit": 1,
                "instance_metadata_tags": "disabled",
            },
            block_device_mappings=[
                {
                    "device_name": "/dev/xvda",
                    "ebs": {"volume_size": 50, "volume_type": "gp3", "encrypted": "true"},
                }
            ],
            monitoring={"enabled": True},
            update_default_version=True,
            opts=self._opts,
        )
        desired = pool.desired_size if pool.desired_size is not None else pool.min_size
        return aws.eks.NodeGroup(
            name,
            cluster_name=self.cluster.name,
            node_role_arn=role.arn,
            subnet_ids=self.private_subnet_ids,
            ami_type=docs.AMI_TYPES[pool.arch],
            instance_types=[pool.instance_type],
            scaling_config={
                "min_size": pool.min_size,
                "max_size": pool.max_size,
                "desired_size": desired,
            },
            update_config={"max_unavailable": 1},
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            labels={"gantry.dev/pool": pool.name},
            opts=pulumi.ResourceOptions.merge(
                self._opts,
                pulumi.ResourceOptions(
                    depends_on=list(attachments),
                    ignore_changes=["scalingConfig.desiredSize"],  # the autoscaler owns it
                ),
            ),
        )

    # --- registry ----------------------------------------------------------------

    def _registry(self) -> RegistryEndpoint:
        """ECR: immutable tags, scan on push, KMS, lifecycle; a cache repo for build caches."""
        name, cfg, service = self._name, self._cfg, self._ctx.service
        encryption: list[aws.ecr.RepositoryEncryptionConfigurationArgsDict] = [
            {"encryption_type": "KMS", "kms_key": self.kms_key.arn}
        ]
        repo = aws.ecr.Repository(
            f"{name}-ecr",
            name=f"{cfg.name}/{service}",
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=encryption,
            opts=self._opts,
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-ecr-lifecycle",
            repository=repo.name,
            policy=docs.ecr_lifecycle_policy(cfg.untagged_image_days, cfg.keep_releases),
            opts=self._opts,
        )
        cache = aws.ecr.Repository(
            f"{name}-ecr-cache",
            name=f"{cfg.name}/{service}-cache",
            image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
            image_tag_mutability_exclusion_filters=[
                {"filter": CACHE_TAG_FILTER, "filter_type": "WILDCARD"}
            ],
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=encryption,
            opts=self._opts,
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-ecr-cache-lifecycle",
            repository=cache.name,
            policy=docs.ecr_cache_lifecycle_policy(CACHE_EXPIRY_DAYS),
            opts=self._opts,
        )
        self.repository = repo
        token = aws.ecr.get_authorization_token_output(
            registry_id=repo.registry_id,
            opts=pulumi.InvokeOutputOptions(parent=self, provider=self._provider),
        )
        return RegistryEndpoint(
            repository=repo.repository_url,
            server=repo.repository_url.apply(lambda url: url.split("/", 1)[0]),
            username=token.user_name,
            password=pulumi.Output.secret(token.password),
            cache_repository=cache.repository_url,
            cache_image_manifest=True,
        )

    # --- object storage (ha) -----------------------------------------------------

    def _bucket(self, component: str) -> aws.s3.Bucket:
        name = f"{self._name}-{component}"
        bucket = aws.s3.Bucket(name, force_destroy=False, opts=self._opts)
        aws.s3.BucketPublicAccessBlock(
            name,
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=self._opts,
        )
        aws.s3.BucketOwnershipControls(
            name,
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=self._opts,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": self.kms_key.arn,
                    },
                    "bucket_key_enabled": True,
                }
            ],
            opts=self._opts,
        )
        aws.s3.BucketVersioning(
            name, bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=self._opts
        )
        aws.s3.BucketPolicy(
            name,
            bucket=bucket.id,
            policy=bucket.arn.apply(docs.tls_only_bucket_policy),
            opts=self._opts,
        )
        return bucket

    def _bucket_role(
        self, component: str, bucket: aws.s3.Bucket, service_account: str
    ) -> aws.iam.Role:
        """IRSA role that only `observability/<service_account>` can assume, only for its bucket."""
        name = f"{self._name}-{component}"
        subject = self._ctx.service_account_subject(service_account)
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=pulumi.Output.all(self.oidc_provider.arn, self._issuer).apply(
                lambda v: docs.irsa_trust_policy(v[0], v[1], subject)
            ),
            opts=self._opts,
        )
        aws.iam.RolePolicy(
            f"{name}-access",
            role=role.id,
            policy=pulumi.Output.all(bucket.arn, self.kms_key.arn).apply(
                lambda v: docs.bucket_access_policy(v[0], v[1])
            ),
            opts=self._opts,
        )
        return role

    def _storage(self) -> tuple[ObjectStorage, IdentityBindings]:
        """Buckets, and an IRSA role for Loki's and Tempo's accounts, each for its bucket.

        Other accounts (the service's own, by default) get no annotation and so
        no AWS identity at all: least privilege until a team binds one.
        """
        ctx, region = self._ctx, self._cfg.region
        self._buckets = {c: self._bucket(c) for c in ("loki", "tempo")}
        roles = {
            ctx.loki_service_account: self._bucket_role(
                "loki", self._buckets["loki"], ctx.loki_service_account
            ),
            ctx.tempo_service_account: self._bucket_role(
                "tempo", self._buckets["tempo"], ctx.tempo_service_account
            ),
        }
        identities = IdentityBindings(
            {
                (ctx.observability_namespace, account): {"eks.amazonaws.com/role-arn": role.arn}
                for account, role in roles.items()
            }
        )
        storage = ctx.storage_handover(
            self._buckets["loki"].bucket.apply(lambda b: storage_values.loki_s3(b, region)),
            self._buckets["tempo"].bucket.apply(lambda b: storage_values.tempo_s3(b, region)),
            identities,
        )
        return storage, identities


def build(
    settings: AwsSettings, context: TargetContext, opts: pulumi.ResourceOptions | None = None
) -> ClusterTarget:
    """Factory entry point: one AwsCluster named after the target."""
    return AwsCluster(settings.name, AwsClusterArgs(settings, context), opts).target
