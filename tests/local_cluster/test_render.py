"""What the local cluster tells each process: the settings that keep the host as it was."""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from localcluster import metrics, render
from localcluster.settings import (
    DNS_SERVICE_IP,
    REAL_POD_CIDR,
    SIMULATED_POD_CIDR,
    ClusterSettings,
    Ports,
    SettingsError,
)


def settings(tmp_path: Path, with_node: bool = True) -> ClusterSettings:
    return ClusterSettings(
        root=tmp_path,
        cache=tmp_path / "cache",
        dir=tmp_path / "cluster",
        ports=Ports(api=7443, etcd=13379),
        with_node=with_node,
        node_ip="192.0.2.2" if with_node else "127.0.0.1",
    )


def flag(args: list[str], name: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in args if a.startswith(f"--{name}=")]
    return value


def test_the_api_server_stays_on_loopback_without_the_node(tmp_path: Path) -> None:
    args = render.apiserver_args(settings(tmp_path, with_node=False))
    assert flag(args, "bind-address") == "127.0.0.1"
    assert flag(args, "endpoint-reconciler-type") == "none"
    assert not [a for a in args if a.startswith("--kubelet-")]


def test_with_the_node_pods_reach_the_api_server_and_it_reaches_the_kubelet(tmp_path: Path) -> None:
    s = settings(tmp_path)
    args = render.apiserver_args(s)
    assert flag(args, "advertise-address") == "192.0.2.2"
    assert flag(args, "endpoint-reconciler-type") == "lease"
    assert flag(args, "kubelet-client-certificate").endswith("apiserver-kubelet-client.crt")
    assert flag(args, "kubelet-certificate-authority").endswith("ca.crt")
    assert flag(args, "kubelet-preferred-address-types") == "InternalIP"
    assert "IP:192.0.2.2" in render.apiserver_sans(s)
    assert "IP:10.96.0.1" in render.apiserver_sans(s)


def test_the_kubelet_runs_on_cgroup_v1_with_cgroupfs_and_keeps_its_paths_in_the_node_dir(
    tmp_path: Path,
) -> None:
    s = settings(tmp_path)
    (node,) = s.real_nodes
    config = render.kubelet_config(s, node)
    assert config["failCgroupV1"] is False
    assert config["cgroupDriver"] == "cgroupfs"
    assert config["protectKernelDefaults"] is False
    assert config["authentication"]["anonymous"]["enabled"] is False
    assert config["authorization"]["mode"] == "Webhook"
    assert config["clusterDNS"] == [DNS_SERVICE_IP]
    assert config["readOnlyPort"] == 0
    for key in ("volumePluginDir", "podLogsDir", "resolvConf", "tlsCertFile"):
        assert config[key].startswith(str(s.dir)), key
    assert config["containerRuntimeEndpoint"] == f"unix://{node.containerd_socket}"
    assert f"--node-ip={s.node_ip}" in render.kubelet_args(s, node)
    assert config["cgroupRoot"] == "/"


def test_kube_proxy_changes_no_kernel_setting(tmp_path: Path) -> None:
    config = render.kube_proxy_config(settings(tmp_path))
    assert set(config["conntrack"].values()) <= {0, "0s"}, config["conntrack"]
    assert config["iptables"]["localhostNodePorts"] is False
    assert config["nodePortAddresses"] == ["primary"]
    assert "bindAddress" not in config
    assert config["healthzBindAddress"].startswith("127.0.0.1:")
    assert config["clusterCIDR"] == REAL_POD_CIDR


def test_containerd_keeps_every_path_under_the_node_dir_and_restricts_oom_adjustments(
    tmp_path: Path,
) -> None:
    s = settings(tmp_path)
    config = tomllib.loads(
        render.containerd_config(
            s, s.real_nodes[0], "127.0.0.1:5001/gantry/pause@sha256:" + "a" * 64
        )
    )
    assert config["version"] == 3
    for key in ("root", "state"):
        assert config[key].startswith(str(s.node_dir)), key
    assert config["grpc"]["address"] == str(s.real_nodes[0].containerd_socket)
    runtime = config["plugins"]["io.containerd.cri.v1.runtime"]
    assert runtime["restrict_oom_score_adj"] is True
    assert runtime["netns_mounts_under_state_dir"] is True
    assert runtime["cni"]["conf_dir"].startswith(str(s.node_dir))
    runc = runtime["containerd"]["runtimes"]["runc"]["options"]
    assert runc == {"BinaryName": str(s.bin / "runc"), "SystemdCgroup": False}
    images = config["plugins"]["io.containerd.cri.v1.images"]
    assert images["pinned_images"]["sandbox"].startswith("127.0.0.1:5001/gantry/pause@sha256:")
    assert images["registry"]["config_path"].startswith(str(s.node_dir))
    assert "io.containerd.nri.v1.nri" in config["disabled_plugins"]


def test_the_registry_is_plain_http_on_loopback() -> None:
    hosts = tomllib.loads(render.registry_hosts("127.0.0.1:5001"))
    assert hosts["server"] == "http://127.0.0.1:5001"
    assert hosts["host"]["http://127.0.0.1:5001"]["capabilities"] == ["pull", "resolve"]


def test_pods_get_their_own_range_apart_from_kwoks(tmp_path: Path) -> None:
    s = settings(tmp_path)
    bridge = render.cni_conflist(s.real_nodes[0])["plugins"][0]
    assert bridge["ipam"]["ranges"] == [[{"subnet": "10.85.0.0/24"}]]
    assert bridge["ipam"]["dataDir"].startswith(str(s.node_dir))
    assert REAL_POD_CIDR.split(".")[:2] != SIMULATED_POD_CIDR.split(".")[:2]


def test_a_second_node_has_its_own_bridge_range_ports_root_and_cgroups(tmp_path: Path) -> None:
    s = replace(settings(tmp_path), real_node_count=2)
    first, second = s.real_nodes
    assert (first.name, second.name) == ("gantry-node", "gantry-node-2")
    assert first.bridge != second.bridge and first.pod_cidr != second.pod_cidr
    one, two = (render.kubelet_config(s, n) for n in s.real_nodes)
    assert one["port"] != two["port"] and one["healthzPort"] != two["healthzPort"]
    assert (one["cgroupRoot"], two["cgroupRoot"]) == ("/", "/gantry-node-2")
    assert one["containerRuntimeEndpoint"] != two["containerRuntimeEndpoint"]
    assert f"--root-dir={second.kubelet_root}" in render.kubelet_args(s, second)
    assert str(second.dir).startswith(str(s.node_dir))
    assert "gantry-node-2" in {p.split(":")[0] for p in s.ports.named(s.real_nodes)} | {
        n.name for n in s.real_nodes
    }
    assert render.kube_proxy_config(s)["clusterCIDR"] == REAL_POD_CIDR


def test_simulated_nodes_are_tainted_and_labelled_for_placement() -> None:
    node = render.simulated_node("gantry-arm64", "arm64", "local-b")
    assert node["spec"]["taints"] == [render.SIMULATED_TAINT]
    key, value = render.SIMULATED_LABEL
    assert node["metadata"]["labels"][key] == value
    assert node["metadata"]["labels"]["kubernetes.io/arch"] == "arm64"
    assert node["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"


def test_cluster_dns_answers_cluster_names_only_and_runs_restricted() -> None:
    corefile = render.corefile()
    assert "forward" not in corefile, "no upstream resolver: nothing leaves the machine"
    assert "kubernetes cluster.local" in corefile
    objects = {o["kind"]: o for o in render.coredns_objects("r/coredns@sha256:" + "b" * 64)}
    service = objects["Service"]
    assert service["spec"]["clusterIP"] == DNS_SERVICE_IP
    assert {p["port"] for p in service["spec"]["ports"] if p["name"].startswith("dns")} == {53}
    (container,) = objects["Deployment"]["spec"]["template"]["spec"]["containers"]
    security = container["securityContext"]
    assert security["runAsNonRoot"] and security["readOnlyRootFilesystem"]
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    dns_ports = {p["containerPort"] for p in container["ports"] if p["name"].startswith("dns")}
    assert dns_ports == {53}, "policies that allow DNS name port 53 of the pod"
    assert {"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"} in pod["securityContext"][
        "sysctls"
    ]


def test_kubeconfig_embeds_the_identity(tmp_path: Path) -> None:
    doc = json.loads(render.kubeconfig("https://127.0.0.1:1", b"ca", b"crt", b"key", "kubelet"))
    (user,) = doc["users"]
    assert user["name"] == "kubelet"
    assert user["user"]["client-key-data"] == "a2V5"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("GANTRY_CLUSTER_PORT", "70000"),
        ("GANTRY_CLUSTER_ETCD_PORT", "x"),
        ("GANTRY_CLUSTER_NODE", "yes"),
    ],
)
def test_bad_settings_name_the_variable(tmp_path: Path, key: str, value: str) -> None:
    with pytest.raises(SettingsError, match=key):
        ClusterSettings.from_env({key: value, "GANTRY_NODE_IP": "192.0.2.2"}, tmp_path)


def test_metrics_server_is_upstreams_manifest_with_this_clusters_image_and_ca() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "metrics-server", "namespace": "kube-system"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "metrics-server",
                            "image": "upstream:tag",
                            "args": ["--kubelet-preferred-address-types=InternalIP,Hostname"],
                            "volumeMounts": [],
                        }
                    ],
                    "volumes": [],
                }
            }
        },
    }
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "m"}, "spec": {}}
    adapted = metrics.adapt([deployment, service, None], "r/ms@sha256:" + "c" * 64)  # type: ignore[list-item]
    dep, svc = adapted
    (container,) = dep["spec"]["template"]["spec"]["containers"]
    assert container["image"].endswith("c" * 64)
    assert "--kubelet-preferred-address-types=InternalIP" in container["args"]
    assert "--kubelet-preferred-address-types=InternalIP,Hostname" not in container["args"]
    assert any(a.startswith("--kubelet-certificate-authority=") for a in container["args"])
    assert "--kubelet-insecure-tls" not in container["args"]
    assert dep["spec"]["selector"] == {"matchLabels": {"k8s-app": "metrics-server"}}
    assert svc["spec"]["selector"] == {"k8s-app": "metrics-server"}
