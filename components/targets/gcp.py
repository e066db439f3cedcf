"""The `gcp` target: a regional GKE cluster with private nodes, Artifact Registry and (ha) GCS.

Secrets in etcd are encrypted with a Cloud KMS key gantry creates; nodes run
as a dedicated service account with logging/monitoring roles and read access
to this target's repository only; pods reach Google APIs only through
Workload Identity (the node metadata server is hidden from them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from . import storage_values
from .base import ClusterTarget, IdentityBindings, ObjectStorage, RegistryEndpoint
from .context import TargetContext
from .kubeconfig import gke_kubeconfig
from .settings import GcpSettings, NodePool

NODE_ROLES = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/autoscaling.metricsWriter",
)
"""What GKE's own agents on a node need (Google's least-privilege node SA guidance)."""

KEY_ROTATION = "7776000s"  # 90 days
SUBNET_CIDR = "10.10.0.0/20"
PODS_CIDR = "10.16.0.0/14"
SERVICES_CIDR = "10.20.0.0/20"
MASTER_CIDR = "172.16.0.0/28"
CACHE_EXPIRY = "1209600s"  # 14 days
DAY_SECONDS = 86400


def cleanup_policies(
    untagged_days: int, keep_releases: int
) -> list[gcp.artifactregistry.RepositoryCleanupPolicyArgsDict]:
    """Delete untagged images after `untagged_days`; keep the newest `keep_releases` versions."""
    return [
        {
            "id": "delete-untagged",
            "action": "DELETE",
            "condition": {"tag_state": "UNTAGGED", "older_than": f"{untagged_days * DAY_SECONDS}s"},
        },
        {
            "id": "keep-releases",
            "action": "KEEP",
            "most_recent_versions": {"keep_count": keep_releases},
        },
    ]


def account_id(target: str, purpose: str) -> str:
    """A service-account id (6-30 chars, starts with a letter) unique per target and purpose."""
    text = f"{target}-{purpose}"
    if len(text) > 30:
        text = f"{target[: 29 - len(purpose)]}-{purpose}"
    return text.strip("-")


@dataclass(frozen=True)
class GcpClusterArgs:
    """`settings`: the target's own settings. `context`: service name, ha flag, namespaces."""

    settings: GcpSettings
    context: TargetContext = field(default_factory=TargetContext)


class GcpCluster(pulumi.ComponentResource):
    """GKE (VPC-native, Dataplane V2, shielded nodes, CMEK secrets) in its own VPC.

    Outputs: `kubeconfig` (secret, exec-based), `cluster_name`, `region`,
    `repository`, and (ha) `loki_bucket`, `tempo_bucket`.
    """

    target: ClusterTarget

    def __init__(
        self, name: str, args: GcpClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gantry:targets:GcpCluster", name, None, opts)
        self._name, self._cfg, self._ctx = name, args.settings, args.context
        cfg = self._cfg
        self._provider = gcp.Provider(
            f"{name}-gcp",
            project=cfg.project,
            region=cfg.region,
            default_labels={"gantry-target": cfg.name, "managed-by": "pulumi-gantry"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._opts = pulumi.ResourceOptions(parent=self, provider=self._provider)
        self._invoke = pulumi.InvokeOutputOptions(parent=self, provider=self._provider)
        project = gcp.organizations.get_project_output(project_id=cfg.project, opts=self._invoke)

        self.crypto_key = self._kms_key(project.number)
        network, subnet = self._network()
        self.node_account = gcp.serviceaccount.Account(
            f"{name}-nodes",
            account_id=account_id(cfg.name, "nodes"),
            display_name=f"gantry {cfg.name} GKE nodes",
            opts=self._opts,
        )
        for role in NODE_ROLES:
            gcp.projects.IAMMember(
                f"{name}-nodes-{role.rsplit('.', 1)[-1]}",
                project=cfg.project,
                role=role,
                member=self.node_account.member,
                opts=self._opts,
            )
        self.cluster = self._cluster(network, subnet)
        self.node_pools = [self._node_pool(pool) for pool in cfg.node_pools]
        registry = self._registry()
        storage, identities = (
            self._storage(project.number)
            if self._ctx.object_storage
            else (None, IdentityBindings())
        )

        document: pulumi.Output[str] = pulumi.Output.all(
            self.cluster.name,
            self.cluster.endpoint,
            self.cluster.master_auth.cluster_ca_certificate,
        ).apply(lambda v: gke_kubeconfig(v[0], v[1], v[2]))
        kubeconfig: pulumi.Output[str] = pulumi.Output.secret(document)
        k8s_provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=kubeconfig,
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.node_pools),
        )
        self.target = ClusterTarget(
            name=cfg.name,
            provider=k8s_provider,
            kubeconfig=kubeconfig,
            cluster_name=self.cluster.name,
            region=cfg.region,
            registry=registry,
            managed_control_plane=True,
            storage=storage,
            workload_identity=identities,
        )
        outputs: dict[str, pulumi.Input[object]] = {
            "kubeconfig": kubeconfig,
            "cluster_name": self.cluster.name,
            "region": cfg.region,
            "repository": registry.repository,
        }
        if storage is not None:
            outputs["loki_bucket"] = self._buckets["loki"].name
            outputs["tempo_bucket"] = self._buckets["tempo"].name
        self.register_outputs(outputs)

    def _kms_key(self, project_number: pulumi.Output[str]) -> gcp.kms.CryptoKey:
        """A rotating key for etcd secrets, usable by the GKE service agent only."""
        name = self._name
        ring = gcp.kms.KeyRing(
            f"{name}-keyring",
            name=f"gantry-{self._cfg.name}",
            location=self._cfg.region,
            opts=self._opts,
        )
        key = gcp.kms.CryptoKey(
            f"{name}-secrets-key",
            name="gke-secrets",
            key_ring=ring.id,
            rotation_period=KEY_ROTATION,
            purpose="ENCRYPT_DECRYPT",
            opts=self._opts,
        )
        self._gke_key_grant = gcp.kms.CryptoKeyIAMMember(
            f"{name}-secrets-key-gke",
            crypto_key_id=key.id,
            role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
            member=project_number.apply(
                lambda n: (
                    f"serviceAccount:service-{n}@container-engine-robot.iam.gserviceaccount.com"
                )
            ),
            opts=self._opts,
        )
        return key

    def _network(self) -> tuple[gcp.compute.Network, gcp.compute.Subnetwork]:
        """A custom-mode VPC, one subnet with pod/service ranges, Cloud NAT for private nodes."""
        name, region = self._name, self._cfg.region
        network = gcp.compute.Network(
            f"{name}-vpc", auto_create_subnetworks=False, routing_mode="REGIONAL", opts=self._opts
        )
        subnet = gcp.compute.Subnetwork(
            f"{name}-nodes",
            network=network.id,
            region=region,
            ip_cidr_range=SUBNET_CIDR,
            private_ip_google_access=True,
            secondary_ip_ranges=[
                {"range_name": "pods", "ip_cidr_range": PODS_CIDR},
                {"range_name": "services", "ip_cidr_range": SERVICES_CIDR},
            ],
            log_config={"aggregation_interval": "INTERVAL_5_MIN", "flow_sampling": 0.5},
            opts=self._opts,
        )
        router = gcp.compute.Router(
            f"{name}-router", network=network.id, region=region, opts=self._opts
        )
        gcp.compute.RouterNat(
            f"{name}-nat",
            router=router.name,
            region=region,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            log_config={"enable": True, "filter": "ERRORS_ONLY"},
            opts=self._opts,
        )
        return network, subnet

    def _cluster(
        self, network: gcp.compute.Network, subnet: gcp.compute.Subnetwork
    ) -> gcp.container.Cluster:
        cfg = self._cfg
        return gcp.container.Cluster(
            f"{self._name}-gke",
            name=cfg.name,
            location=cfg.region,
            network=network.id,
            subnetwork=subnet.id,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy={
                "cluster_secondary_range_name": "pods",
                "services_secondary_range_name": "services",
            },
            # Node pools are managed below; the default pool is removed at once.
            remove_default_node_pool=True,
            initial_node_count=1,
            node_config={
                "service_account": self.node_account.email,
                "shielded_instance_config": {
                    "enable_secure_boot": True,
                    "enable_integrity_monitoring": True,
                },
                "workload_metadata_config": {"mode": "GKE_METADATA"},
            },
            release_channel={"channel": cfg.release_channel},
            workload_identity_config={"workload_pool": f"{cfg.project}.svc.id.goog"},
            private_cluster_config={
                "enable_private_nodes": True,
                # No authorized CIDRs: the API is reachable from inside the VPC only.
                "enable_private_endpoint": not cfg.master_authorized_cidrs,
                "master_ipv4_cidr_block": MASTER_CIDR,
                "master_global_access_config": {"enabled": False},
            },
            master_authorized_networks_config={
                "cidr_blocks": [
                    {"cidr_block": c, "display_name": f"authorized-{i}"}
                    for i, c in enumerate(cfg.master_authorized_cidrs)
                ],
                "gcp_public_cidrs_access_enabled": False,
            },
            datapath_provider="ADVANCED_DATAPATH",  # Dataplane V2: Cilium-enforced NetworkPolicy
            enable_shielded_nodes=True,
            enable_legacy_abac=False,
            master_auth={"client_certificate_config": {"issue_client_certificate": False}},
            database_encryption={"state": "ENCRYPTED", "key_name": self.crypto_key.id},
            binary_authorization={"evaluation_mode": "PROJECT_SINGLETON_POLICY_ENFORCE"},
            security_posture_config={"mode": "BASIC", "vulnerability_mode": "VULNERABILITY_BASIC"},
            logging_config={"enable_components": ["SYSTEM_COMPONENTS", "APISERVER", "WORKLOADS"]},
            monitoring_config={"enable_components": ["SYSTEM_COMPONENTS", "APISERVER"]},
            deletion_protection=True,
            opts=pulumi.ResourceOptions.merge(
                self._opts, pulumi.ResourceOptions(depends_on=[self._gke_key_grant])
            ),
        )

    def _node_pool(self, pool: NodePool) -> gcp.container.NodePool:
        """Regional autoscaled pool; GKE taints arm64 (t2a) nodes `kubernetes.io/arch=arm64`."""
        return gcp.container.NodePool(
            f"{self._name}-{pool.name}",
            name=pool.name,
            cluster=self.cluster.id,
            location=self._cfg.region,
            autoscaling={
                "total_min_node_count": pool.min_size,
                "total_max_node_count": pool.max_size,
                "location_policy": "BALANCED",
            },
            management={"auto_repair": True, "auto_upgrade": True},
            node_config={
                "machine_type": pool.instance_type,
                "image_type": "COS_CONTAINERD",
                "service_account": self.node_account.email,
                "oauth_scopes": ["https://www.googleapis.com/auth/cloud-platform"],
                "workload_metadata_config": {"mode": "GKE_METADATA"},
                "shielded_instance_config": {
                    "enable_secure_boot": True,
                    "enable_integrity_monitoring": True,
                },
                "metadata": {"disable-legacy-endpoints": "true"},
                "labels": {"gantry.dev/pool": pool.name},
            },
            opts=self._opts,
        )

    def _registry(self) -> RegistryEndpoint:
        """Artifact Registry: immutable tags and cleanup policies; a separate mutable cache repo."""
        cfg, service, name = self._cfg, self._ctx.service, self._name
        repo = gcp.artifactregistry.Repository(
            f"{name}-registry",
            repository_id=cfg.name,
            location=cfg.region,
            format="DOCKER",
            description=f"gantry {cfg.name} images",
            docker_config={"immutable_tags": True},
            cleanup_policy_dry_run=False,
            cleanup_policies=cleanup_policies(cfg.untagged_image_days, cfg.keep_releases),
            opts=self._opts,
        )
        cache = gcp.artifactregistry.Repository(
            f"{name}-registry-cache",
            repository_id=f"{cfg.name}-cache",
            location=cfg.region,
            format="DOCKER",
            description=f"gantry {cfg.name} build caches (tags rewritten on every build)",
            cleanup_policy_dry_run=False,
            cleanup_policies=[
                {
                    "id": "expire-cache",
                    "action": "DELETE",
                    "condition": {"older_than": CACHE_EXPIRY},
                }
            ],
            opts=self._opts,
        )
        gcp.artifactregistry.RepositoryIamMember(
            f"{name}-registry-nodes-read",
            repository=repo.name,
            location=cfg.region,
            role="roles/artifactregistry.reader",
            member=self.node_account.member,
            opts=self._opts,
        )
        server = f"{cfg.region}-docker.pkg.dev"
        client = gcp.organizations.get_client_config_output(opts=self._invoke)
        return RegistryEndpoint(
            repository=repo.repository_id.apply(lambda r: f"{server}/{cfg.project}/{r}/{service}"),
            server=server,
            username="oauth2accesstoken",
            password=pulumi.Output.secret(client.access_token),
            cache_repository=cache.repository_id.apply(
                lambda r: f"{server}/{cfg.project}/{r}/{service}"
            ),
        )

    def _storage(
        self, project_number: pulumi.Output[str]
    ) -> tuple[ObjectStorage, IdentityBindings]:
        """Per-component bucket (CMEK, never public) and a GSA only its chart's KSA can use.

        Only those two accounts get a Workload Identity annotation; others: none.
        """
        ctx, cfg, name = self._ctx, self._cfg, self._name
        gcs_agent = gcp.storage.get_project_service_account_output(
            project=cfg.project, opts=self._invoke
        )
        grant = gcp.kms.CryptoKeyIAMMember(
            f"{name}-secrets-key-gcs",
            crypto_key_id=self.crypto_key.id,
            role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
            member=gcs_agent.email_address.apply(lambda e: f"serviceAccount:{e}"),
            opts=self._opts,
        )
        self._buckets: dict[str, gcp.storage.Bucket] = {}
        bindings: dict[tuple[str, str], dict[str, pulumi.Input[str]]] = {}
        for component, sa in (
            ("loki", ctx.loki_service_account),
            ("tempo", ctx.tempo_service_account),
        ):
            bucket = gcp.storage.Bucket(
                f"{name}-{component}",
                location=cfg.region.upper(),
                uniform_bucket_level_access=True,
                public_access_prevention="enforced",
                versioning={"enabled": True},
                encryption={"default_kms_key_name": self.crypto_key.id},
                force_destroy=False,
                opts=pulumi.ResourceOptions.merge(
                    self._opts, pulumi.ResourceOptions(depends_on=[grant])
                ),
            )
            account = gcp.serviceaccount.Account(
                f"{name}-{component}",
                account_id=account_id(cfg.name, component),
                display_name=f"gantry {cfg.name} {component}",
                opts=self._opts,
            )
            gcp.storage.BucketIAMMember(
                f"{name}-{component}-objects",
                bucket=bucket.name,
                role="roles/storage.objectAdmin",
                member=account.member,
                opts=self._opts,
            )
            gcp.serviceaccount.IAMMember(
                f"{name}-{component}-workload-identity",
                service_account_id=account.name,
                role="roles/iam.workloadIdentityUser",
                member=f"serviceAccount:{cfg.project}.svc.id.goog[{ctx.observability_namespace}/{sa}]",
                opts=self._opts,
            )
            self._buckets[component] = bucket
            bindings[(ctx.observability_namespace, sa)] = {
                "iam.gke.io/gcp-service-account": account.email
            }
        identities = IdentityBindings(bindings)
        storage = ctx.storage_handover(
            self._buckets["loki"].name.apply(storage_values.loki_gcs),
            self._buckets["tempo"].name.apply(storage_values.tempo_gcs),
            identities,
        )
        return storage, identities


def build(
    settings: GcpSettings, context: TargetContext, opts: pulumi.ResourceOptions | None = None
) -> ClusterTarget:
    """Factory entry point: one GcpCluster named after the target."""
    return GcpCluster(settings.name, GcpClusterArgs(settings, context), opts).target
