"""AzureCluster under mocks: AKS hardening, ACR without admin user, federated Blob identities."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pytest

from components.targets.acr_login import ACR_TOKEN_USER, exchange_token
from components.targets.azure import (
    AzureCluster,
    AzureClusterArgs,
    agent_pool_profiles,
    compact_name,
)
from components.targets.base import ClusterTarget
from components.targets.context import TargetContext
from components.targets.settings import AzureSettings
from gantry import pulumi_internals as sdk
from gantry.config.targets import AzureTarget
from gantry.config_adapter import target_settings
from tests.harness import Recording, is_secret, run_with_mocks, unwrap
from tests.targets.fakes import AZURE_CALLS, AZURE_FAKES, DEPLOYER, SUBSCRIPTION, TENANT

POOLS = [
    {
        "name": "amd64",
        "arch": "amd64",
        "instance_type": "Standard_D2s_v5",
        "min_size": 3,
        "max_size": 9,
    },
    {
        "name": "arm64",
        "arch": "arm64",
        "instance_type": "Standard_D2ps_v5",
        "min_size": 3,
        "max_size": 9,
    },
]
ADMINS = ["00000000-0000-0000-0000-000000000001"]
EXCHANGES: list[tuple[str, str, str]] = []


def _fake_exchange(server: str, tenant: str, token: str) -> str:
    EXCHANGES.append((server, tenant, token))
    return f"acr-refresh-token-for-{server}"


def _config(**overrides: Any) -> AzureSettings:
    base: dict[str, Any] = {
        "cloud": "azure",
        "name": "azure-prod",
        "location": "westeurope",
        "admin_group_object_ids": ADMINS,
        "api_authorized_cidrs": ["10.70.0.0/24"],
        "node_pools": POOLS,
    }
    settings = target_settings(AzureTarget.model_validate({**base, **overrides}))
    assert isinstance(settings, AzureSettings)
    return settings


def _run(config: AzureSettings, *, ha: bool = True) -> tuple[Recording, list[ClusterTarget]]:
    built: list[ClusterTarget] = []

    def program() -> None:
        args = AzureClusterArgs(
            settings=config, context=TargetContext(object_storage=ha), token_exchange=_fake_exchange
        )
        built.append(AzureCluster(config.name, args).target)

    return run_with_mocks(program, fakes=AZURE_FAKES, call_fakes=AZURE_CALLS), built


@pytest.fixture(scope="module")
def prod() -> tuple[Recording, list[ClusterTarget]]:
    return _run(_config())


def _role_id(role: str) -> str:
    return f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/{role}"


def test_children_named_parented_and_on_the_targets_provider(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    component = rec.one("gantry:targets:AzureCluster", "azure-prod")
    provider = rec.one("pulumi:providers:azure-native", "azure-prod-azure")
    assert provider.inputs["location"] == "westeurope"
    for r in rec.resources:
        if r is component:
            continue
        assert r.name.startswith("azure-prod-") and r.parent == component.urn, r.name
        if r.type.startswith("azure-native:"):
            assert r.provider is not None and r.provider.startswith(provider.urn), r.name


def test_aks_uses_entra_rbac_without_local_accounts(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    aks = rec.one("azure-native:containerservice:ManagedCluster").inputs
    assert aks["aadProfile"] == {
        "managed": True,
        "enableAzureRBAC": True,
        "adminGroupObjectIDs": ADMINS,
    }
    assert aks["disableLocalAccounts"] is True
    assert aks["enableRBAC"] is True
    assert aks["oidcIssuerProfile"] == {"enabled": True}
    assert aks["securityProfile"]["workloadIdentity"] == {"enabled": True}
    defender = aks["securityProfile"]["defender"]
    assert defender["securityMonitoring"] == {"enabled": True}
    assert defender["logAnalyticsWorkspaceResourceId"] == "azure-prod-logs-id"
    assert aks["networkProfile"]["networkPolicy"] == "cilium"
    assert aks["apiServerAccessProfile"]["authorizedIPRanges"] == ["10.70.0.0/24"]
    assert aks["autoUpgradeProfile"]["upgradeChannel"] == "stable"


def test_no_authorized_ranges_means_a_private_cluster() -> None:
    rec, _ = _run(_config(api_authorized_cidrs=[]), ha=False)
    access = rec.one("azure-native:containerservice:ManagedCluster").inputs[
        "apiServerAccessProfile"
    ]
    assert access["enablePrivateCluster"] is True
    assert "authorizedIPRanges" not in access


def test_pools_autoscale_across_zones_with_an_arm64_pool(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    pools = {
        p["name"]: p
        for p in rec.one("azure-native:containerservice:ManagedCluster").inputs["agentPoolProfiles"]
    }
    assert pools["amd64"]["mode"] == "System" and pools["arm64"]["mode"] == "User"
    assert pools["arm64"]["vmSize"] == "Standard_D2ps_v5"
    for pool in pools.values():
        assert pool["enableAutoScaling"] is True
        assert (pool["minCount"], pool["maxCount"]) == (3, 9)
        assert pool["availabilityZones"] == ["1", "2", "3"]
        assert pool["enableNodePublicIP"] is False


def test_acr_has_no_admin_user_and_nodes_pull_through_their_identity(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, built = prod
    acr = rec.one("azure-native:containerregistry:Registry").inputs
    assert acr["adminUserEnabled"] is False
    assert acr["anonymousPullEnabled"] is False
    assert acr["registryName"] == "azureprodx7k2q9"
    assert acr["policies"]["retentionPolicy"] == {"days": 7, "status": "enabled"}
    assignments = {
        a.name: a.inputs for a in rec.of_type("azure-native:authorization:RoleAssignment")
    }
    pull = assignments["azure-prod-acr-pull"]
    assert pull["principalId"] == "kubelet-object-id"
    assert pull["roleDefinitionId"] == _role_id("7f951dda-4ed3-4680-a7ca-43fe172d538d")
    assert pull["scope"] == "azure-prod-acr-id"
    push = assignments["azure-prod-acr-push"]
    assert push["principalId"] == DEPLOYER and push["scope"] == "azure-prod-acr-id"
    assert built[0].registry.username == ACR_TOKEN_USER


def test_push_password_is_an_exchanged_acr_token_kept_secret() -> None:
    seen: dict[str, Any] = {}
    EXCHANGES.clear()

    def program() -> None:
        args = AzureClusterArgs(settings=_config(), token_exchange=_fake_exchange)
        target = AzureCluster("azure-prod", args).target
        reg = target.registry
        assert reg.password is not None
        seen["secret"] = reg.password.is_secret()
        seen["kube_secret"] = target.kubeconfig.is_secret()
        pulumi.Output.all(reg.repository, reg.server, reg.password, target.kubeconfig).apply(
            lambda v: seen.update(values=v)
        )

    run_with_mocks(program, fakes=AZURE_FAKES, call_fakes=AZURE_CALLS)
    assert sdk.sync_await(seen["secret"]) is True
    assert sdk.sync_await(seen["kube_secret"]) is True
    repository, _server, password, kubeconfig = seen["values"]
    assert repository == "azureprodx7k2q9.azurecr.io/hello"
    assert EXCHANGES == [("azureprodx7k2q9.azurecr.io", TENANT, "entra-access-token")]
    assert password == "acr-refresh-token-for-azureprodx7k2q9.azurecr.io"
    assert "kubelogin" in kubeconfig


def test_exchange_token_posts_the_documented_form_over_tls_only() -> None:
    posted: list[tuple[str, Mapping[str, str]]] = []

    def post(url: str, fields: Mapping[str, str]) -> str:
        posted.append((url, fields))
        return json.dumps({"refresh_token": "acr-refresh"})

    assert exchange_token("r.azurecr.io", "tenant", "aad", post=post) == "acr-refresh"
    assert posted == [
        (
            "https://r.azurecr.io/oauth2/exchange",
            {
                "grant_type": "access_token",
                "service": "r.azurecr.io",
                "tenant": "tenant",
                "access_token": "aad",
            },
        )
    ]
    with pytest.raises(ValueError, match="no refresh_token"):
        exchange_token("r.azurecr.io", "t", "a", post=lambda u, f: "{}")


def test_outputs(prod: tuple[Recording, list[ClusterTarget]]) -> None:
    rec, _ = prod
    outputs = rec.component_outputs(rec.one("gantry:targets:AzureCluster"))
    assert is_secret(outputs["kubeconfig"])
    assert "kubelogin" in unwrap(outputs["kubeconfig"])
    assert outputs["cluster_name"] == "azure-prod" and outputs["region"] == "westeurope"
    assert unwrap(outputs["repository"]) == "azureprodx7k2q9.azurecr.io/hello"
    assert unwrap(outputs["oidc_issuer"]).startswith("https://westeurope.oic")


def test_ha_storage_has_no_shared_keys_and_federated_identities(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    account = rec.one("azure-native:storage:StorageAccount").inputs
    assert account["allowBlobPublicAccess"] is False
    assert account["allowSharedKeyAccess"] is False
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["enableHttpsTrafficOnly"] is True
    assignments = {
        a.name: a.inputs for a in rec.of_type("azure-native:authorization:RoleAssignment")
    }
    for component in ("loki", "tempo"):
        container = rec.one("azure-native:storage:BlobContainer", f"azure-prod-{component}").inputs
        assert container["publicAccess"] == "None"
        federated = rec.one(
            "azure-native:managedidentity:FederatedIdentityCredential", f"azure-prod-{component}"
        ).inputs
        assert federated["subject"] == f"system:serviceaccount:observability:{component}"
        assert federated["audiences"] == ["api://AzureADTokenExchange"]
        assert federated["issuer"] == "https://westeurope.oic.prod-aks.azure.com/tenant/issuer/"
        blob = assignments[f"azure-prod-{component}-blob"]
        assert blob["scope"] == f"azure-prod-{component}-id"  # the container, not the account
        assert blob["principalId"] == f"azure-prod-{component}-principal-id"
        assert blob["roleDefinitionId"] == _role_id("ba92f5b4-2d11-453d-a403-e96b0029c9fe")


def test_ha_storage_values_annotations_and_pod_labels() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        args = AzureClusterArgs(
            settings=_config(),
            context=TargetContext(object_storage=True),
            token_exchange=_fake_exchange,
        )
        target = AzureCluster("azure-prod", args).target
        storage = target.storage
        assert storage is not None
        seen["labels"] = (storage.pod_labels, target.service_account_pod_labels)
        pulumi.Output.all(
            storage.loki_values, storage.tempo_values, storage.tempo_service_account_annotations
        ).apply(lambda v: seen.update(values=v))

    run_with_mocks(program, fakes=AZURE_FAKES, call_fakes=AZURE_CALLS)
    loki, tempo, annotations = seen["values"]
    assert loki["loki"]["storage"]["type"] == "azure"
    assert loki["loki"]["storage"]["azure"] == {
        "accountName": "azureprodx7k2q9",
        "useFederatedToken": True,
    }
    assert tempo["tempo"]["storage"]["trace"]["azure"]["use_federated_token"] is True
    assert annotations == {"azure.workload.identity/client-id": "azure-prod-tempo-client-id"}
    assert seen["labels"] == ({"azure.workload.identity/use": "true"},) * 2


def test_small_profile_has_no_storage() -> None:
    rec, built = _run(_config(), ha=False)
    assert not rec.of_type("azure-native:storage:StorageAccount")
    assert built[0].storage is None


def test_names_and_pools_are_computed() -> None:
    assert compact_name("azure-prod", "x7k2q9") == "azureprodx7k2q9"
    assert len(compact_name("a-very-long-target-name-indeed", "abcdef")) == 24
    profiles = agent_pool_profiles([_config().node_pools[1], _config().node_pools[0]])
    assert [p["mode"] for p in profiles] == ["User", "System"]
