"""Local and existing targets, and the factory's lazy per-cloud imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.targets.base import ClusterTarget
from components.targets.context import TargetContext
from components.targets.existing import ExistingCluster, ExistingClusterArgs
from components.targets.factory import build_targets
from components.targets.local import (
    REAL_PLACEMENT,
    SIMULATED_PLACEMENT,
    LocalCluster,
    LocalClusterArgs,
    kubeconfig_path,
    local_control_plane_kubeconfig,
    local_kubernetes_version,
    server_port,
)
from components.targets.settings import LocalSettings
from gantry import pulumi_internals as sdk
from gantry.config.stack import StackConfig
from gantry.config.targets import ExistingTarget
from gantry.config_adapter import target_context, target_settings
from tests.harness import is_secret, run_with_mocks, unwrap

REPO = Path(__file__).resolve().parents[2]


def test_cluster_mode_defaults_to_the_local_control_planes_kubeconfig(tmp_path: Path) -> None:
    cfg = LocalSettings(name="local")
    env = {"GANTRY_CACHE": str(tmp_path)}
    assert local_control_plane_kubeconfig(env) == tmp_path / "cluster" / "kubeconfig"
    assert local_control_plane_kubeconfig({"GANTRY_CLUSTER_DIR": "/c"}) == Path("/c/kubeconfig")
    with pytest.raises(ValueError, match="make cluster"):
        kubeconfig_path(cfg, env)
    (tmp_path / "cluster").mkdir()
    (tmp_path / "cluster" / "kubeconfig").write_text("kind: Config\n")
    assert kubeconfig_path(cfg, env) == tmp_path / "cluster" / "kubeconfig"


def test_a_named_kubeconfig_wins_and_must_exist(tmp_path: Path) -> None:
    named = tmp_path / "kind.yaml"
    cfg = LocalSettings(name="local", kubeconfig=str(named))
    with pytest.raises(ValueError, match="name an existing file"):
        kubeconfig_path(cfg, {})
    named.write_text("kind: Config\n")
    # The local control plane's kubeconfig is not consulted when one is named.
    assert kubeconfig_path(cfg, {"GANTRY_CLUSTER_DIR": str(tmp_path / "none")}) == named


def _local(cfg: LocalSettings, env: dict[str, str]) -> tuple[Any, list[ClusterTarget]]:
    built: list[ClusterTarget] = []

    def program() -> None:
        args = LocalClusterArgs(settings=cfg, context=TargetContext(service="hello"), env=env)
        built.append(LocalCluster("local", args).target)

    return run_with_mocks(program), built


def test_render_mode_writes_manifests_and_needs_no_cluster(tmp_path: Path) -> None:
    cfg = LocalSettings(name="local", mode="render")
    rec, built = _local(cfg, {"GANTRY_CLUSTER_DIR": str(tmp_path / "none")})
    provider = rec.one("pulumi:providers:kubernetes", "local-k8s")
    assert provider.inputs["renderYamlToDirectory"] == "out/local"
    assert "kubeconfig" not in provider.inputs
    target = built[0]
    assert target.render_dir == "out/local"
    assert target.registry.repository == "127.0.0.1:5001/hello"
    assert target.registry.insecure is True
    assert target.registry.password is None and target.registry.cache_repository is None
    outputs = rec.component_outputs(rec.one("gantry:targets:LocalCluster"))
    assert outputs["mode"] == "render" and is_secret(outputs["kubeconfig"])


def test_cluster_mode_uses_the_kubeconfig_as_a_secret(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    cfg = LocalSettings(name="local")
    rec, built = _local(cfg, {"GANTRY_CLUSTER_DIR": str(tmp_path)})
    provider = rec.one("pulumi:providers:kubernetes", "local-k8s")
    assert is_secret(provider.inputs["kubeconfig"])
    assert unwrap(provider.inputs["kubeconfig"]) == "apiVersion: v1\nkind: Config\n"
    assert "renderYamlToDirectory" not in provider.inputs
    assert built[0].render_dir is None
    outputs = rec.component_outputs(rec.one("gantry:targets:LocalCluster"))
    assert outputs["mode"] == "cluster" and outputs["cluster_name"] == "gantry-local"


def test_existing_cluster_keeps_both_credentials_secret() -> None:
    cfg = target_settings(
        ExistingTarget.model_validate(
            {
                "cloud": "existing",
                "name": "onprem",
                "kubeconfig_secret": "onpremKubeconfig",
                "context": "prod",
                "region": "dc1",
                "registry": {
                    "address": "ghcr.io/acme",
                    "username": "acme-bot",
                    "password_secret": "ghcrToken",
                },
            }
        )
    )
    seen: dict[str, Any] = {}

    def program() -> None:
        secrets = {
            "onpremKubeconfig": pulumi.Output.from_input("kind: Config"),
            "ghcrToken": pulumi.Output.from_input("t0k"),
        }
        target = ExistingCluster(
            "onprem", ExistingClusterArgs(cfg, TargetContext(secrets=secrets))
        ).target
        seen["target"] = target
        assert target.registry.password is not None
        seen["password_secret"] = target.registry.password.is_secret()

    rec = run_with_mocks(program)
    assert sdk.sync_await(seen["password_secret"]) is True
    provider = rec.one("pulumi:providers:kubernetes", "onprem-k8s")
    assert is_secret(provider.inputs["kubeconfig"]) and provider.inputs["context"] == "prod"
    target = seen["target"]
    assert (target.registry.repository, target.registry.server) == ("ghcr.io/acme/hello", "ghcr.io")
    assert target.registry.username == "acme-bot" and target.region == "dc1"
    assert not [r for r in rec.resources if not r.type.startswith(("pulumi:", "gantry:"))]


def test_existing_cluster_names_a_missing_secret_key() -> None:
    cfg = target_settings(
        ExistingTarget.model_validate(
            {
                "cloud": "existing",
                "name": "x",
                "kubeconfig_secret": "missingKey",
                "registry": {"address": "r.example"},
            }
        )
    )
    with pytest.raises(KeyError, match="pulumi config set --secret missingKey"):
        ExistingCluster("x", ExistingClusterArgs(cfg))


def test_factory_builds_one_target_per_config_entry_in_order() -> None:
    config = StackConfig.model_validate(
        {
            "profile": "dev",
            "policy": {"pack_config": "policies/config/dev.json"},
            "targets": [
                {
                    "cloud": "existing",
                    "name": "a",
                    "kubeconfig_secret": "ka",
                    "registry": {"address": "r.example/a"},
                },
                {
                    "cloud": "existing",
                    "name": "b",
                    "kubeconfig_secret": "kb",
                    "registry": {"address": "r.example/b"},
                },
            ],
        }
    )
    built: list[ClusterTarget] = []

    def program() -> None:
        secrets = {k: pulumi.Output.from_input("kind: Config") for k in ("ka", "kb")}
        targets = [target_settings(t) for t in config.targets]
        built.extend(build_targets(targets, target_context(config, secrets)))

    rec = run_with_mocks(program)
    assert [t.name for t in built] == ["a", "b"]
    # One component per entry. The mocks record registrations in the order the SDK's
    # RPC threads deliver them, which is not program order; the order is `built`'s.
    assert sorted(r.name for r in rec.of_type("gantry:targets:ExistingCluster")) == ["a", "b"]


LAZY_PROBE = """
import json, sys
import pulumi
from gantry.config.stack import StackConfig
from gantry.config_adapter import target_context, target_settings
from components.targets.factory import build_targets
from tests.harness import run_with_mocks
config = StackConfig.model_validate(json.loads(sys.argv[1]))
secrets = {"kc": pulumi.Output.from_input("kind: Config")}
targets = [target_settings(t) for t in config.targets]
run_with_mocks(lambda: build_targets(targets, target_context(config, secrets)) and None)
clouds = ("pulumi_aws", "pulumi_gcp", "pulumi_azure_native")
print(json.dumps(sorted(m for m in clouds if m in sys.modules)))
"""


def _imported_clouds(targets: list[dict[str, Any]], profile: str) -> list[str]:
    config = {"profile": profile, "policy": {"pack_config": "p.json"}, "targets": targets}
    result = subprocess.run(
        [sys.executable, "-c", LAZY_PROBE, json.dumps(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def test_local_and_existing_targets_import_no_cloud_sdk() -> None:
    local = [{"cloud": "local", "name": "local", "mode": "render"}]
    assert _imported_clouds(local, "local") == []
    existing = [
        {
            "cloud": "existing",
            "name": "e",
            "kubeconfig_secret": "kc",
            "registry": {"address": "r.example"},
        }
    ]
    assert _imported_clouds(existing, "dev") == []


def test_the_local_target_places_pods_on_the_real_node_unless_told_simulated(
    tmp_path: Path,
) -> None:
    env = {"GANTRY_CLUSTER_DIR": str(tmp_path / "none")}
    _, (real,) = _local(LocalSettings(name="local", mode="render"), env)
    _, (simulated,) = _local(LocalSettings(name="local", mode="render", nodes="simulated"), env)
    assert real.placement == REAL_PLACEMENT
    assert real.placement.node_selector == {}, "any real node, as kube-scheduler decides"
    assert real.placement.avoided_labels == {"type": "kwok"}
    assert simulated.placement == SIMULATED_PLACEMENT
    assert simulated.placement.node_selector == {"type": "kwok"}
    # Pods of images the cluster does not have go to kwok's nodes in both modes.
    assert real.stand_in_placement == simulated.stand_in_placement == SIMULATED_PLACEMENT


def test_render_mode_renders_charts_for_the_pinned_local_version(tmp_path: Path) -> None:
    env = {"GANTRY_CLUSTER_DIR": str(tmp_path / "none")}
    _, (rendered,) = _local(LocalSettings(name="local", mode="render"), env)
    versions = (REPO / "toolchain" / "versions.env").read_text()
    assert f"KUBERNETES_VERSION={rendered.kube_version}\n" in versions
    assert rendered.kube_version is not None
    assert rendered.kube_version.startswith("v1.")


def test_the_version_is_read_from_the_pin_and_its_absence_is_an_error(tmp_path: Path) -> None:
    pins = tmp_path / "versions.env"
    pins.write_text("# comment\nETCD_VERSION=v3.7.0\nKUBERNETES_VERSION=v1.99.1\n")
    assert local_kubernetes_version(pins) == "v1.99.1"
    pins.write_text("ETCD_VERSION=v3.7.0\n")
    with pytest.raises(ValueError, match="no KUBERNETES_VERSION"):
        local_kubernetes_version(pins)


KUBECONFIG_TWO_CONTEXTS = """
apiVersion: v1
kind: Config
current-context: local
clusters:
- name: local
  cluster: {server: "https://127.0.0.1:39711"}
- name: cloud
  cluster: {server: "https://api.example:443"}
contexts:
- name: local
  context: {cluster: local, user: u}
- name: cloud
  context: {cluster: cloud, user: u}
users: []
"""


def test_the_api_servers_port_comes_from_the_kubeconfigs_context() -> None:
    assert server_port(KUBECONFIG_TWO_CONTEXTS) == 39711
    assert server_port(KUBECONFIG_TWO_CONTEXTS, "cloud") is None, "443 is the usual port"
    assert server_port(KUBECONFIG_TWO_CONTEXTS, "absent") is None
    assert server_port("") is None


def test_the_local_cluster_hands_its_api_port_and_private_mounts_over(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG_TWO_CONTEXTS)
    env = {"GANTRY_CLUSTER_DIR": str(tmp_path)}
    _, (own,) = _local(LocalSettings(name="local", mode="cluster"), env)
    assert own.api_server_port == 39711
    assert own.managed_control_plane, "the control plane runs as host processes"
    assert not own.host_mount_propagation
    assert not own.host_network, "its real nodes are kubelets on one machine"
    assert own.kube_version is None, "the cluster answers for its version"
    named = LocalSettings(name="local", mode="cluster", kubeconfig=str(kubeconfig))
    _, (other,) = _local(named, env)
    assert not other.managed_control_plane
    assert other.host_mount_propagation
    assert other.host_network
