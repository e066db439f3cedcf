"""The `azure` target: AKS with Entra ID + Azure RBAC, ACR, and (ha) Blob storage.

No shared keys anywhere: local accounts are disabled (Entra sign-in only),
the ACR admin user is off (nodes pull through an AcrPull assignment on the
kubelet identity; `pulumi up` pushes with an Entra token exchanged for an ACR
token, see acr_login.py), and Loki/Tempo reach Blob storage through
user-assigned identities federated with their service accounts, with
shared-key access disabled on the account.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure
import pulumi_kubernetes as k8s
import pulumi_random as random

from . import storage_values
from .acr_login import ACR_TOKEN_USER, TokenExchange, exchange_token
from .base import ClusterTarget, IdentityBindings, ObjectStorage, RegistryEndpoint
from .context import TargetContext
from .settings import AzureSettings, NodePool

ROLE_ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
ROLE_ACR_PUSH = "8311e382-0749-4cb8-b61a-304f252e45ec"
ROLE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange"
WORKLOAD_IDENTITY_LABEL = {"azure.workload.identity/use": "true"}
ZONES = ["1", "2", "3"]


def compact_name(target: str, suffix: str, limit: int = 24) -> str:
    """ACR and storage account names: lower-case letters and digits only, globally unique."""
    stem = re.sub(r"[^a-z0-9]", "", target.lower())
    return (stem[: limit - len(suffix)] + suffix)[:limit]


def role_definition(subscription_id: str, role: str) -> str:
    return (
        f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role}"
    )


def agent_pool_profiles(
    pools: Sequence[NodePool],
) -> list[azure.containerservice.ManagedClusterAgentPoolProfileArgsDict]:
    """Autoscaled, zone-spread pools; the first amd64 pool is the System pool."""
    system = next((p.name for p in pools if p.arch == "amd64"), pools[0].name)
    profiles: list[azure.containerservice.ManagedClusterAgentPoolProfileArgsDict] = []
    for pool in pools:
        profiles.append(
            {
                "name": re.sub(r"[^a-z0-9]", "", pool.name)[:12],
                "mode": "System" if pool.name == system else "User",
                "vm_size": pool.instance_type,
                "os_type": "Linux",
                "os_sku": "AzureLinux",
                "type": "VirtualMachineScaleSets",
                "availability_zones": ZONES,
                "enable_auto_scaling": True,
                "min_count": pool.min_size,
                "max_count": pool.max_size,
                "count": pool.desired_size if pool.desired_size is not None else pool.min_size,
                "enable_node_public_ip": False,
                "node_labels": {"gantry.dev/pool": pool.name},
            }
        )
    return profiles


@dataclass(frozen=True)
class AzureClusterArgs:
    """`settings`: the target's own settings. `context`: service name, ha flag, namespaces.
    `token_exchange`: turns an Entra token into an ACR token (default: the ACR
    /oauth2/exchange endpoint; tests inject one)."""

    settings: AzureSettings
    context: TargetContext = field(default_factory=TargetContext)
    token_exchange: TokenExchange = exchange_token


class AzureCluster(pulumi.ComponentResource):
    """AKS (Entra ID + Azure RBAC, workload identity, Cilium network policy, Defender) with ACR.

    Outputs: `kubeconfig` (secret; exec-based through kubelogin), `cluster_name`,
    `region`, `repository`, `oidc_issuer`, and (ha) `storage_account`.
    """

    target: ClusterTarget

    def __init__(
        self, name: str, args: AzureClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("gantry:targets:AzureCluster", name, None, opts)
        self._name, self._cfg, self._ctx = name, args.settings, args.context
        cfg = self._cfg
        self._provider = azure.Provider(
            f"{name}-azure", location=cfg.location, opts=pulumi.ResourceOptions(parent=self)
        )
        self._opts = pulumi.ResourceOptions(parent=self, provider=self._provider)
        self._invoke = pulumi.InvokeOutputOptions(parent=self, provider=self._provider)
        self._client = azure.authorization.get_client_config_output(opts=self._invoke)
        self.resource_group = azure.resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=f"gantry-{cfg.name}",
            location=cfg.location,
            opts=self._opts,
        )
        workspace = azure.operationalinsights.Workspace(
            f"{name}-logs",
            resource_group_name=self.resource_group.name,
            location=cfg.location,
            sku={"name": "PerGB2018"},
            retention_in_days=30,
            opts=self._opts,
        )
        self.cluster = self._cluster(workspace)
        registry = self._registry(args.token_exchange)
        storage, identities = (
            self._storage() if self._ctx.object_storage else (None, IdentityBindings())
        )

        credentials = azure.containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=self.resource_group.name,
            resource_name=self.cluster.name,
            format="exec",
            opts=self._invoke,
        )
        document: pulumi.Output[str] = credentials.kubeconfigs.apply(
            lambda kcs: base64.b64decode(kcs[0].value).decode()
        )
        kubeconfig: pulumi.Output[str] = pulumi.Output.secret(document)
        k8s_provider = k8s.Provider(
            f"{name}-k8s", kubeconfig=kubeconfig, opts=pulumi.ResourceOptions(parent=self)
        )
        self.target = ClusterTarget(
            name=cfg.name,
            provider=k8s_provider,
            kubeconfig=kubeconfig,
            cluster_name=self.cluster.name,
            region=cfg.location,
            registry=registry,
            managed_control_plane=True,
            storage=storage,
            workload_identity=identities,
            service_account_pod_labels=WORKLOAD_IDENTITY_LABEL,
            zones=tuple(ZONES),
        )
        outputs: dict[str, pulumi.Input[object]] = {
            "kubeconfig": kubeconfig,
            "cluster_name": self.cluster.name,
            "region": cfg.location,
            "repository": registry.repository,
            "oidc_issuer": self._issuer,
        }
        if storage is not None:
            outputs["storage_account"] = self._account.name
        self.register_outputs(outputs)

    @property
    def _issuer(self) -> pulumi.Output[str]:
        issuer: pulumi.Output[str] = self.cluster.oidc_issuer_profile.apply(
            lambda p: p.issuer_url if p and p.issuer_url else ""
        )
        return issuer

    def _cluster(
        self, workspace: azure.operationalinsights.Workspace
    ) -> azure.containerservice.ManagedCluster:
        cfg = self._cfg
        private = not cfg.api_authorized_cidrs
        access: azure.containerservice.ManagedClusterAPIServerAccessProfileArgsDict = (
            {"enable_private_cluster": True, "disable_run_command": True}
            if private
            else {
                "authorized_ip_ranges": list(cfg.api_authorized_cidrs),
                "disable_run_command": True,
            }
        )
        return azure.containerservice.ManagedCluster(
            f"{self._name}-aks",
            resource_name_=cfg.name,
            resource_group_name=self.resource_group.name,
            location=cfg.location,
            dns_prefix=cfg.name,
            kubernetes_version=cfg.kubernetes_version,
            sku={"name": "Base", "tier": "Standard"},
            identity={"type": azure.containerservice.ResourceIdentityType.SYSTEM_ASSIGNED},
            enable_rbac=True,
            aad_profile={
                "managed": True,
                "enable_azure_rbac": True,
                "admin_group_object_ids": list(cfg.admin_group_object_ids),
            },
            disable_local_accounts=True,
            api_server_access_profile=access,
            oidc_issuer_profile={"enabled": True},
            security_profile={
                "workload_identity": {"enabled": True},
                "defender": {
                    "log_analytics_workspace_resource_id": workspace.id,
                    "security_monitoring": {"enabled": True},
                },
                "image_cleaner": {"enabled": True, "interval_hours": 168},
            },
            network_profile={
                "network_plugin": "azure",
                "network_plugin_mode": "overlay",
                "network_dataplane": "cilium",
                "network_policy": "cilium",
                "load_balancer_sku": "standard",
                "outbound_type": "loadBalancer",
            },
            auto_upgrade_profile={
                "upgrade_channel": "stable",
                "node_os_upgrade_channel": "NodeImage",
            },
            auto_scaler_profile={"balance_similar_node_groups": "true", "expander": "least-waste"},
            agent_pool_profiles=agent_pool_profiles(list(cfg.node_pools)),
            addon_profiles={"azurepolicy": {"enabled": True}},
            opts=pulumi.ResourceOptions.merge(
                self._opts,
                # The autoscaler owns node counts.
                pulumi.ResourceOptions(
                    ignore_changes=[
                        f"agentPoolProfiles[{i}].count" for i in range(len(cfg.node_pools))
                    ]
                ),
            ),
        )

    def _role(
        self,
        name: str,
        role: str,
        principal: pulumi.Input[str],
        scope: pulumi.Input[str],
        principal_type: str | None,
    ) -> azure.authorization.RoleAssignment:
        return azure.authorization.RoleAssignment(
            name,
            principal_id=principal,
            principal_type=principal_type,
            role_definition_id=self._client.subscription_id.apply(
                lambda s: role_definition(s, role)
            ),
            scope=scope,
            opts=self._opts,
        )

    def _registry(self, token_exchange: TokenExchange) -> RegistryEndpoint:
        """Premium ACR (untagged retention, zone redundancy); admin user and anonymous pull off."""
        cfg, name, service = self._cfg, self._name, self._ctx.service
        suffix = random.RandomString(
            f"{name}-acr-suffix",
            length=6,
            special=False,
            upper=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        registry = azure.containerregistry.Registry(
            f"{name}-acr",
            registry_name=suffix.result.apply(lambda s: compact_name(cfg.name, s, 50)),
            resource_group_name=self.resource_group.name,
            location=cfg.location,
            sku={"name": "Premium"},
            admin_user_enabled=False,
            anonymous_pull_enabled=False,
            zone_redundancy="Enabled",
            policies={
                "retention_policy": {"days": cfg.untagged_image_days, "status": "enabled"},
                "azure_ad_authentication_as_arm_policy": {"status": "enabled"},
            },
            opts=self._opts,
        )
        kubelet = self.cluster.identity_profile.apply(
            lambda p: (p["kubeletidentity"].object_id or "") if p and "kubeletidentity" in p else ""
        )
        self._role(f"{name}-acr-pull", ROLE_ACR_PULL, kubelet, registry.id, "ServicePrincipal")
        # The identity running `pulumi up` (OIDC from CI) pushes the image.
        self._role(f"{name}-acr-push", ROLE_ACR_PUSH, self._client.object_id, registry.id, None)
        token = azure.authorization.get_client_token_output(opts=self._invoke)
        password = pulumi.Output.all(
            registry.login_server, self._client.tenant_id, token.token
        ).apply(lambda v: token_exchange(v[0], v[1], v[2]))
        return RegistryEndpoint(
            repository=registry.login_server.apply(lambda s: f"{s}/{service}"),
            server=registry.login_server,
            username=ACR_TOKEN_USER,
            password=pulumi.Output.secret(password),
            cache_repository=registry.login_server.apply(lambda s: f"{s}/{service}-cache"),
        )

    def _storage(self) -> tuple[ObjectStorage, IdentityBindings]:
        """A ZRS account (no shared keys or public blobs); per component a container + identity.

        Only those two accounts get an Entra workload identity annotation; others: none.
        """
        cfg, ctx, name = self._cfg, self._ctx, self._name
        suffix = random.RandomString(
            f"{name}-storage-suffix",
            length=6,
            special=False,
            upper=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._account = azure.storage.StorageAccount(
            f"{name}-storage",
            account_name=suffix.result.apply(lambda s: compact_name(cfg.name, s)),
            resource_group_name=self.resource_group.name,
            location=cfg.location,
            kind="StorageV2",
            sku={"name": "Standard_ZRS"},
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            enable_https_traffic_only=True,
            minimum_tls_version="TLS1_2",
            opts=self._opts,
        )
        bindings: dict[tuple[str, str], dict[str, pulumi.Input[str]]] = {}
        containers: dict[str, azure.storage.BlobContainer] = {}
        for component, sa in (
            ("loki", ctx.loki_service_account),
            ("tempo", ctx.tempo_service_account),
        ):
            container = azure.storage.BlobContainer(
                f"{name}-{component}",
                container_name=component,
                account_name=self._account.name,
                resource_group_name=self.resource_group.name,
                public_access=azure.storage.PublicAccess.NONE,
                opts=self._opts,
            )
            identity = azure.managedidentity.UserAssignedIdentity(
                f"{name}-{component}",
                resource_name_=f"gantry-{cfg.name}-{component}",
                resource_group_name=self.resource_group.name,
                location=cfg.location,
                opts=self._opts,
            )
            azure.managedidentity.FederatedIdentityCredential(
                f"{name}-{component}",
                federated_identity_credential_resource_name=f"{component}-{ctx.observability_namespace}",
                resource_name_=identity.name,
                resource_group_name=self.resource_group.name,
                issuer=self._issuer,
                subject=ctx.service_account_subject(sa),
                audiences=[WORKLOAD_IDENTITY_AUDIENCE],
                opts=self._opts,
            )
            self._role(
                f"{name}-{component}-blob",
                ROLE_BLOB_DATA_CONTRIBUTOR,
                identity.principal_id,
                container.id,
                "ServicePrincipal",
            )
            containers[component] = container
            bindings[(ctx.observability_namespace, sa)] = {
                "azure.workload.identity/client-id": identity.client_id
            }
        identities = IdentityBindings(bindings)
        account = self._account.name
        storage = ctx.storage_handover(
            account.apply(lambda a: storage_values.loki_azure(a, "loki")),
            account.apply(lambda a: storage_values.tempo_azure(a, "tempo")),
            identities,
            pod_labels=WORKLOAD_IDENTITY_LABEL,
        )
        return storage, identities


def build(
    settings: AzureSettings, context: TargetContext, opts: pulumi.ResourceOptions | None = None
) -> ClusterTarget:
    """Factory entry point: one AzureCluster named after the target."""
    return AzureCluster(settings.name, AzureClusterArgs(settings, context), opts).target
