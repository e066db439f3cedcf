"""GcpCluster under mocks: GKE hardening, Artifact Registry policies, Workload Identity storage."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.targets.base import ClusterTarget
from components.targets.context import TargetContext
from components.targets.gcp import GcpCluster, GcpClusterArgs, account_id, cleanup_policies
from components.targets.settings import GcpSettings
from gantry import pulumi_internals as sdk
from gantry.config.targets import GcpTarget
from gantry.config_adapter import target_settings
from tests.harness import Recording, is_secret, run_with_mocks, unwrap
from tests.targets.fakes import GCP_CALLS, GCP_FAKES, PROJECT_NUMBER

POOLS = [
    {
        "name": "general-amd64",
        "arch": "amd64",
        "instance_type": "n2-standard-2",
        "min_size": 1,
        "max_size": 3,
    },
    {
        "name": "general-arm64",
        "arch": "arm64",
        "instance_type": "t2a-standard-2",
        "min_size": 1,
        "max_size": 3,
    },
]


def _config(**overrides: Any) -> GcpSettings:
    base: dict[str, Any] = {
        "cloud": "gcp",
        "name": "gcp-prod",
        "project": "gantry-prod-example",
        "region": "europe-west1",
        "release_channel": "STABLE",
        "master_authorized_cidrs": ["10.60.0.0/24"],
        "node_pools": POOLS,
    }
    settings = target_settings(GcpTarget.model_validate({**base, **overrides}))
    assert isinstance(settings, GcpSettings)
    return settings


def _run(config: GcpSettings, *, ha: bool = True) -> tuple[Recording, list[ClusterTarget]]:
    built: list[ClusterTarget] = []

    def program() -> None:
        context = TargetContext(object_storage=ha)
        built.append(
            GcpCluster(config.name, GcpClusterArgs(settings=config, context=context)).target
        )

    return run_with_mocks(program, fakes=GCP_FAKES, call_fakes=GCP_CALLS), built


@pytest.fixture(scope="module")
def prod() -> tuple[Recording, list[ClusterTarget]]:
    return _run(_config())


def test_children_named_parented_and_on_the_targets_provider(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    component = rec.one("gantry:targets:GcpCluster", "gcp-prod")
    provider = rec.one("pulumi:providers:gcp", "gcp-prod-gcp")
    assert (provider.inputs["project"], provider.inputs["region"]) == (
        "gantry-prod-example",
        "europe-west1",
    )
    for r in rec.resources:
        if r is component:
            continue
        assert r.name.startswith("gcp-prod-") and r.parent == component.urn, r.name
        if r.type.startswith("gcp:"):
            assert r.provider is not None and r.provider.startswith(provider.urn), r.name


def test_gke_is_private_vpc_native_shielded_with_workload_identity(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    cluster = rec.one("gcp:container/cluster:Cluster").inputs
    assert cluster["networkingMode"] == "VPC_NATIVE"
    assert cluster["ipAllocationPolicy"]["clusterSecondaryRangeName"] == "pods"
    assert cluster["workloadIdentityConfig"] == {"workloadPool": "gantry-prod-example.svc.id.goog"}
    assert cluster["privateClusterConfig"]["enablePrivateNodes"] is True
    assert cluster["privateClusterConfig"]["enablePrivateEndpoint"] is False
    assert cluster["masterAuthorizedNetworksConfig"]["cidrBlocks"] == [
        {"cidrBlock": "10.60.0.0/24", "displayName": "authorized-0"}
    ]
    assert cluster["masterAuthorizedNetworksConfig"]["gcpPublicCidrsAccessEnabled"] is False
    assert cluster["enableShieldedNodes"] is True
    assert cluster["datapathProvider"] == "ADVANCED_DATAPATH"
    assert cluster["releaseChannel"] == {"channel": "STABLE"}
    assert cluster["enableLegacyAbac"] is False
    assert cluster["masterAuth"]["clientCertificateConfig"]["issueClientCertificate"] is False
    assert cluster["binaryAuthorization"]["evaluationMode"] == "PROJECT_SINGLETON_POLICY_ENFORCE"
    assert cluster["removeDefaultNodePool"] is True


def test_secrets_are_encrypted_with_a_rotating_key_the_gke_agent_can_use(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    key = rec.one("gcp:kms/cryptoKey:CryptoKey")
    assert key.inputs["rotationPeriod"] == "7776000s"
    cluster = rec.one("gcp:container/cluster:Cluster").inputs
    assert cluster["databaseEncryption"] == {"state": "ENCRYPTED", "keyName": f"{key.name}-id"}
    grant = rec.one(
        "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "gcp-prod-secrets-key-gke"
    ).inputs
    assert (
        grant["member"]
        == f"serviceAccount:service-{PROJECT_NUMBER}@container-engine-robot.iam.gserviceaccount.com"
    )
    assert grant["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"


def test_no_authorized_cidrs_means_private_endpoint_only() -> None:
    rec, _ = _run(_config(master_authorized_cidrs=[]), ha=False)
    cluster = rec.one("gcp:container/cluster:Cluster").inputs
    assert cluster["privateClusterConfig"]["enablePrivateEndpoint"] is True
    assert cluster["masterAuthorizedNetworksConfig"]["cidrBlocks"] == []


def test_node_pools_per_architecture_are_hardened(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    pools = {p.inputs["name"]: p.inputs for p in rec.of_type("gcp:container/nodePool:NodePool")}
    assert pools["general-arm64"]["nodeConfig"]["machineType"] == "t2a-standard-2"
    assert pools["general-amd64"]["nodeConfig"]["machineType"] == "n2-standard-2"
    node_sa = rec.one("gcp:serviceaccount/account:Account", "gcp-prod-nodes").state["email"]
    for pool in pools.values():
        node = pool["nodeConfig"]
        assert node["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
        assert node["shieldedInstanceConfig"] == {
            "enableSecureBoot": True,
            "enableIntegrityMonitoring": True,
        }
        assert node["serviceAccount"] == node_sa
        assert node["metadata"]["disable-legacy-endpoints"] == "true"
        assert (
            pool["autoscaling"]["totalMinNodeCount"] == 1
            and pool["autoscaling"]["totalMaxNodeCount"] == 3
        )
        assert pool["management"] == {"autoRepair": True, "autoUpgrade": True}
    roles = sorted(m.inputs["role"] for m in rec.of_type("gcp:projects/iAMMember:IAMMember"))
    assert roles and all(not r.endswith(("owner", "editor")) for r in roles)
    assert "roles/logging.logWriter" in roles


def test_artifact_registry_is_immutable_with_cleanup_and_secret_token(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, built = prod
    repo = rec.one("gcp:artifactregistry/repository:Repository", "gcp-prod-registry").inputs
    assert repo["format"] == "DOCKER"
    assert repo["dockerConfig"] == {"immutableTags": True}
    assert repo["cleanupPolicyDryRun"] is False
    ids = {p["id"]: p for p in repo["cleanupPolicies"]}
    assert ids["delete-untagged"]["condition"] == {"tagState": "UNTAGGED", "olderThan": "604800s"}
    assert ids["keep-releases"]["mostRecentVersions"] == {"keepCount": 30}
    reader = rec.one("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember").inputs
    assert reader["role"] == "roles/artifactregistry.reader"

    registry = built[0].registry
    assert registry.username == "oauth2accesstoken"
    assert registry.server == "europe-west1-docker.pkg.dev"


def test_registry_values_resolve_and_token_stays_secret() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        target = GcpCluster("gcp-prod", GcpClusterArgs(settings=_config())).target
        reg = target.registry
        assert reg.password is not None
        seen["secret"] = reg.password.is_secret()
        seen["kube_secret"] = target.kubeconfig.is_secret()
        pulumi.Output.all(reg.repository, reg.password, reg.cache_repository).apply(
            lambda v: seen.update(values=v)
        )

    run_with_mocks(program, fakes=GCP_FAKES, call_fakes=GCP_CALLS)
    assert sdk.sync_await(seen["secret"]) is True
    assert sdk.sync_await(seen["kube_secret"]) is True
    assert seen["values"] == [
        "europe-west1-docker.pkg.dev/gantry-prod-example/gcp-prod/hello",
        "ya29.short-lived-token",
        "europe-west1-docker.pkg.dev/gantry-prod-example/gcp-prod-cache/hello",
    ]


def test_outputs_and_exec_kubeconfig(prod: tuple[Recording, list[ClusterTarget]]) -> None:
    rec, _ = prod
    outputs = rec.component_outputs(rec.one("gantry:targets:GcpCluster"))
    assert is_secret(outputs["kubeconfig"])
    kubeconfig = unwrap(outputs["kubeconfig"])
    assert "gke-gcloud-auth-plugin" in kubeconfig and "https://34.1.2.3" in kubeconfig
    assert "ya29" not in kubeconfig
    assert outputs["cluster_name"] == "gcp-prod" and outputs["region"] == "europe-west1"
    assert unwrap(outputs["loki_bucket"]) == "gcp-prod-loki-5f3e"


def test_ha_buckets_and_workload_identity_bindings(
    prod: tuple[Recording, list[ClusterTarget]],
) -> None:
    rec, _ = prod
    key_id = f"{rec.one('gcp:kms/cryptoKey:CryptoKey').name}-id"  # the engine's resource id
    for component in ("loki", "tempo"):
        bucket = rec.one("gcp:storage/bucket:Bucket", f"gcp-prod-{component}").inputs
        assert bucket["uniformBucketLevelAccess"] is True
        assert bucket["publicAccessPrevention"] == "enforced"
        assert bucket["encryption"] == {"defaultKmsKeyName": key_id}
        assert bucket["versioning"] == {"enabled": True}
        gsa = rec.one("gcp:serviceaccount/account:Account", f"gcp-prod-{component}").state
        objects = rec.one(
            "gcp:storage/bucketIAMMember:BucketIAMMember", f"gcp-prod-{component}-objects"
        ).inputs
        assert objects == {
            "bucket": f"gcp-prod-{component}-5f3e",
            "role": "roles/storage.objectAdmin",
            "member": gsa["member"],
        }
        wi = rec.one(
            "gcp:serviceaccount/iAMMember:IAMMember", f"gcp-prod-{component}-workload-identity"
        ).inputs
        assert wi["role"] == "roles/iam.workloadIdentityUser"
        assert (
            wi["member"]
            == f"serviceAccount:gantry-prod-example.svc.id.goog[observability/{component}]"
        )
        assert wi["serviceAccountId"] == gsa["name"]


def test_ha_storage_values() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        target = GcpCluster(
            "gcp-prod",
            GcpClusterArgs(settings=_config(), context=TargetContext(object_storage=True)),
        ).target
        storage = target.storage
        assert storage is not None
        pulumi.Output.all(
            storage.loki_values, storage.tempo_values, storage.loki_service_account_annotations
        ).apply(lambda v: seen.update(values=v))

    run_with_mocks(program, fakes=GCP_FAKES, call_fakes=GCP_CALLS)
    loki, tempo, annotations = seen["values"]
    assert loki["loki"]["storage"]["type"] == "gcs"
    assert loki["loki"]["storage"]["bucketNames"]["chunks"] == "gcp-prod-loki-5f3e"
    assert tempo["tempo"]["storage"]["trace"] == {
        "backend": "gcs",
        "gcs": {"bucket_name": "gcp-prod-tempo-5f3e"},
    }
    assert annotations == {
        "iam.gke.io/gcp-service-account": "gcp-prod-loki@gantry-prod-example.iam.gserviceaccount.com"  # noqa: E501
    }


def test_small_profile_has_no_buckets() -> None:
    rec, built = _run(_config(), ha=False)
    assert not rec.of_type("gcp:storage/bucket:Bucket")
    assert built[0].storage is None


def test_cleanup_policies_and_account_ids_are_computed() -> None:
    policies = cleanup_policies(3, 5)
    assert policies[0]["condition"] == {"tag_state": "UNTAGGED", "older_than": "259200s"}
    assert policies[1]["most_recent_versions"] == {"keep_count": 5}
    long_id = account_id("a-very-long-target-name-for-gke", "tempo")
    assert len(long_id) <= 30 and long_id.endswith("-tempo")
    assert account_id("gcp-prod", "nodes") == "gcp-prod-nodes"
