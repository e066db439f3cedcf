"""What each process of the local cluster is told: pure functions, tested without starting anything.

Every setting that keeps the host as it was is here, with the reason beside
it (docs/toolchain.md lists them with the error each one avoids).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from .settings import (
    API_SERVICE_IP,
    CLUSTER_DOMAIN,
    DNS_SERVICE_IP,
    REAL_NODE,
    REAL_POD_CIDR,
    SERVICE_CIDR,
    SIMULATED_NODE_IP,
    SIMULATED_POD_CIDR,
    ClusterSettings,
    RealNode,
)

SIMULATED_TAINT = {"key": "kwok.x-k8s.io/node", "value": "fake", "effect": "NoSchedule"}
"""kwok's own convention: only pods that tolerate it are placed on simulated nodes."""
SIMULATED_LABEL = ("type", "kwok")


def kubeconfig(server: str, ca: bytes, cert: bytes, key: bytes, user: str) -> str:
    """A kubeconfig with the CA and the client certificate embedded (JSON is YAML)."""

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "gantry-local",
                "cluster": {"server": server, "certificate-authority-data": b64(ca)},
            }
        ],
        "users": [
            {
                "name": user,
                "user": {"client-certificate-data": b64(cert), "client-key-data": b64(key)},
            }
        ],
        "contexts": [
            {"name": "gantry-local", "context": {"cluster": "gantry-local", "user": user}}
        ],
        "current-context": "gantry-local",
    }
    return json.dumps(doc, indent=2) + "\n"


# --- control plane -------------------------------------------------------------------


def etcd_args(s: ClusterSettings) -> list[str]:
    client = f"http://127.0.0.1:{s.ports.etcd}"
    peer = f"http://127.0.0.1:{s.ports.etcd_peer}"
    return [
        "--name=gantry",
        f"--data-dir={s.dir / 'etcd'}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=gantry={peer}",
        "--listen-metrics-urls=",
        "--quota-backend-bytes=2147483648",
    ]


def apiserver_args(s: ClusterSettings) -> list[str]:
    """The API server's flags.

    With the real node it listens on every address and advertises the node's
    (pods reach it through the `kubernetes` Service only when the endpoint
    reconciler publishes a non-loopback address), and it talks to the kubelet
    with its own client certificate, checking the kubelet's against the CA.
    Without it, everything stays on 127.0.0.1.
    """
    pki = s.pki
    args = [
        f"--etcd-servers=http://127.0.0.1:{s.ports.etcd}",
        f"--secure-port={s.ports.api}",
        f"--tls-cert-file={pki / 'apiserver.crt'}",
        f"--tls-private-key-file={pki / 'apiserver.key'}",
        f"--client-ca-file={pki / 'ca.crt'}",
        "--anonymous-auth=false",
        "--authorization-mode=Node,RBAC",
        # Privileged containers pass validation so that PodSecurity decides (a
        # `privileged` namespace, such as the node exporter's, may have them).
        "--allow-privileged=true",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={pki / 'sa.pub'}",
        f"--service-account-signing-key-file={pki / 'sa.key'}",
    ]
    if s.with_node:
        return [
            *args,
            "--bind-address=0.0.0.0",
            f"--advertise-address={s.node_ip}",
            "--endpoint-reconciler-type=lease",
            f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
            f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
            f"--kubelet-certificate-authority={pki / 'ca.crt'}",
            "--kubelet-preferred-address-types=InternalIP",
            # Aggregated APIs (the metrics API): requests reach them through a front proxy
            # whose client certificate comes from a CA of its own.
            f"--requestheader-client-ca-file={pki / 'front-proxy-ca.crt'}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            f"--proxy-client-cert-file={pki / 'front-proxy-client.crt'}",
            f"--proxy-client-key-file={pki / 'front-proxy-client.key'}",
            "--enable-aggregator-routing=true",
        ]
    return [
        *args,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        "--endpoint-reconciler-type=none",
    ]


def _controller_args(s: ClusterSettings, name: str) -> list[str]:
    """What the controller-manager and the scheduler share: their own identity for the
    API server and for delegated authn/authz, no serving port, no leader election."""
    kubeconfig_file = s.dir / f"{name}.kubeconfig"
    return [
        f"--kubeconfig={kubeconfig_file}",
        f"--authentication-kubeconfig={kubeconfig_file}",
        f"--authorization-kubeconfig={kubeconfig_file}",
        "--bind-address=127.0.0.1",
        "--secure-port=0",
        "--leader-elect=false",
    ]


def controller_manager_args(s: ClusterSettings) -> list[str]:
    return [
        *_controller_args(s, "controller-manager"),
        "--use-service-account-credentials=true",
        f"--service-account-private-key-file={s.pki / 'sa.key'}",
        f"--root-ca-file={s.pki / 'ca.crt'}",
        f"--cluster-signing-cert-file={s.pki / 'ca.crt'}",
        f"--cluster-signing-key-file={s.pki / 'ca.key'}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        # Its default is under /usr/libexec, outside the cluster's directory.
        f"--flex-volume-plugin-dir={s.dir / 'volume-plugins'}",
    ]


def scheduler_args(s: ClusterSettings) -> list[str]:
    return _controller_args(s, "scheduler")


def kwok_args(s: ClusterSettings, stages: Path) -> list[str]:
    return [
        f"--kubeconfig={s.dir / 'kwok.kubeconfig'}",
        f"--config={stages}",
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        f"--node-ip={SIMULATED_NODE_IP}",
        f"--cidr={SIMULATED_POD_CIDR}",
    ]


def simulated_node(name: str, arch: str, zone: str) -> dict[str, Any]:
    """A kwok node: labelled with its architecture and zone, tainted so that only
    pods placed there on purpose (see the local target's `nodes` setting) land on it."""
    capacity = {"cpu": "16", "memory": "64Gi", "pods": "110", "ephemeral-storage": "200Gi"}
    label_key, label_value = SIMULATED_LABEL
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/arch": arch,
                "kubernetes.io/os": "linux",
                "kubernetes.io/hostname": name,
                "topology.kubernetes.io/zone": zone,
                "topology.kubernetes.io/region": "local",
                label_key: label_value,
            },
        },
        "spec": {"taints": [SIMULATED_TAINT]},
        "status": {
            "allocatable": capacity,
            "capacity": capacity,
            "nodeInfo": {
                "architecture": arch,
                "operatingSystem": "linux",
                "kubeletVersion": "fake",
            },
        },
    }


# --- the real node ---------------------------------------------------------------------


def containerd_config(s: ClusterSettings, node: RealNode, sandbox_image: str) -> str:
    """containerd 2.x's config (version 3): every path under the node's directory.

    - `restrict_oom_score_adj`: this machine's processes lack CAP_SYS_RESOURCE,
      and runc fails every sandbox that lowers its OOM score without it.
    - `SystemdCgroup = false`: no systemd here; the kubelet uses cgroupfs too.
    - `netns_mounts_under_state_dir`: pod network namespaces stay out of /run/netns.
    - NRI off: it would create a socket under /var/run/nri.
    - The sandbox image is gantry's, from the local registry; `config_path`
      holds a hosts.toml per registry (plain HTTP to the loopback one).
    """
    d = node.dir
    return f"""# Written by localcluster: the local cluster's real node {node.name}. Do not edit.
version = 3
root = "{d / "containerd" / "root"}"
state = "{d / "containerd" / "state"}"
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.internal.v1.opt"]

[grpc]
  address = "{node.containerd_socket}"

[ttrpc]
  address = "{d / "containerd.ttrpc.sock"}"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"

[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "{sandbox_image}"

[plugins."io.containerd.cri.v1.images".registry]
  config_path = "{s.node_dir / "certs.d"}"

[plugins."io.containerd.cri.v1.runtime"]
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  disable_apparmor = true

[plugins."io.containerd.cri.v1.runtime".cni]
  bin_dirs = ["/usr/lib/cni"]
  conf_dir = "{d / "cni" / "net.d"}"
  max_conf_num = 1

[plugins."io.containerd.cri.v1.runtime".containerd]
  default_runtime_name = "runc"

[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
  BinaryName = "{s.bin / "runc"}"
  SystemdCgroup = false

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
"""


MIRRORED_REGISTRIES = ("quay.io", "registry.k8s.io")
"""Registries the charts name whose images the loopback registry holds (chart_images.py)."""


def registry_hosts(registry: str) -> str:
    """hosts.toml for the loopback registry: containerd pulls from it over plain HTTP."""
    return f"""server = "http://{registry}"

[host."http://{registry}"]
  capabilities = ["pull", "resolve"]
"""


def cni_conflist(node: RealNode) -> dict[str, Any]:
    """The pod network: one bridge, addresses from the node's own range, masqueraded
    when they leave it, host ports through portmap."""
    return {
        "cniVersion": "1.0.0",
        "name": "gantry",
        "plugins": [
            {
                "type": "bridge",
                "bridge": node.bridge,
                "isGateway": True,
                "ipMasq": True,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    # Its default is /var/lib/cni/networks.
                    "dataDir": str(node.dir / "cni" / "ipam"),
                    "ranges": [[{"subnet": node.pod_cidr}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }


KERNEL_TUNABLES = {
    "vm/overcommit_memory": "1",
    "vm/panic_on_oom": "0",
    "kernel/panic": "10",
    "kernel/panic_on_oops": "1",
    "kernel/keys/root_maxkeys": "1000000",
    "kernel/keys/root_maxbytes": "25000000",
}
"""/proc/sys files the kubelet writes at start (its container manager's kernel tunables), with
no option to leave them: they are bind-mounted from plain files in its own mount namespace."""


def kubelet_config(s: ClusterSettings, node: RealNode) -> dict[str, Any]:
    """The kubelet's KubeletConfiguration.

    - `failCgroupV1: false`: this machine has cgroup v1 only; v1.37 refuses it by default.
    - `cgroupDriver: cgroupfs`: there is no systemd.
    - Serving certificate from the cluster CA (no bootstrap, no rotation); clients
      are authenticated by certificate or token and authorised by the API server.
    - Every path is under the node's directory: volume plugins, pod logs, resolv.conf.
    - Cluster DNS is CoreDNS's Service; its upstream is nothing (see `corefile`).
    - Ports and the cgroup root are the node's own, so that two nodes share the machine.
    """
    d = node.dir
    pki = s.pki
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "failCgroupV1": False,
        "cgroupDriver": "cgroupfs",
        "cgroupRoot": node.cgroup_root,
        "containerRuntimeEndpoint": f"unix://{node.containerd_socket}",
        "address": s.node_ip,
        "port": node.kubelet_port,
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": node.kubelet_healthz_port,
        "tlsCertFile": str(pki / f"kubelet-{node.name}.crt"),
        "tlsPrivateKeyFile": str(pki / f"kubelet-{node.name}.key"),
        "rotateCertificates": False,
        "serverTLSBootstrap": False,
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(pki / "ca.crt")},
        },
        "authorization": {"mode": "Webhook"},
        "clusterDomain": CLUSTER_DOMAIN,
        "clusterDNS": [DNS_SERVICE_IP],
        "resolvConf": str(s.node_dir / "resolv.conf"),
        "volumePluginDir": str(d / "volume-plugins"),
        "podLogsDir": str(d / "pod-logs"),
        "staticPodPath": "",
        "protectKernelDefaults": False,
        "failSwapOn": False,
        "serializeImagePulls": False,
        "maxPods": 60,
        # This machine's disk is shared with everything else: evict only when it is nearly full.
        "evictionHard": {
            "memory.available": "200Mi",
            "nodefs.available": "2%",
            "imagefs.available": "2%",
        },
        "imageGCHighThresholdPercent": 98,
        "imageGCLowThresholdPercent": 95,
        "syncFrequency": "10s",
        "fileCheckFrequency": "10s",
        "nodeStatusReportFrequency": "10s",
        "shutdownGracePeriod": "0s",
    }


def kubelet_args(s: ClusterSettings, node: RealNode) -> list[str]:
    labels = f"topology.kubernetes.io/zone={node.zone},topology.kubernetes.io/region=local"
    return [
        f"--config={node.dir / 'kubelet.json'}",
        f"--kubeconfig={s.dir / f'kubelet-{node.name}.kubeconfig'}",
        f"--root-dir={node.kubelet_root}",
        f"--hostname-override={node.name}",
        f"--node-ip={s.node_ip}",
        f"--node-labels={labels}",
    ]


def kube_proxy_config(s: ClusterSettings) -> dict[str, Any]:
    """kube-proxy's KubeProxyConfiguration, set so that it changes no kernel setting.

    Zero conntrack values leave the host's conntrack table size and timeouts
    alone; `localhostNodePorts: false` leaves `route_localnet` alone; NodePorts
    answer on the primary address only. `masqueradeAll` makes pod-to-Service
    traffic come back through the host, so no bridge sysctl is needed for it.
    """
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(s.dir / "kube-proxy.kubeconfig")},
        "hostnameOverride": REAL_NODE,
        "mode": "iptables",
        "clusterCIDR": REAL_POD_CIDR,
        "healthzBindAddress": f"127.0.0.1:{s.ports.proxy_healthz}",
        "metricsBindAddress": f"127.0.0.1:{s.ports.proxy_metrics}",
        "nodePortAddresses": ["primary"],
        "conntrack": {
            "maxPerCore": 0,
            "min": 0,
            "tcpEstablishedTimeout": "0s",
            "tcpCloseWaitTimeout": "0s",
            "udpTimeout": "0s",
            "udpStreamTimeout": "0s",
        },
        "iptables": {"localhostNodePorts": False, "masqueradeAll": True},
    }


KUBE_ROUTER_USER = "gantry:kube-router"
RBAC = "rbac.authorization.k8s.io"


def kube_router_args(s: ClusterSettings) -> list[str]:
    """kube-router as NetworkPolicy enforcer only: no routing, no service proxy (kube-proxy's
    job), so it touches nothing but its own iptables chains and ipsets."""
    return [
        f"--kubeconfig={s.dir / 'kube-router.kubeconfig'}",
        "--run-firewall=true",
        "--run-router=false",
        "--run-service-proxy=false",
        f"--hostname-override={REAL_NODE}",
        f"--health-port={s.ports.policy_health}",
        "--metrics-port=0",
        "--cache-sync-timeout=1m",
    ]


def kube_router_rbac() -> list[dict[str, Any]]:
    """Read access to what kube-router watches: policies, the pods and namespaces they select,
    and the objects its informers start with."""
    name = "gantry:kube-router"
    return [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": name},
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["pods", "namespaces", "nodes", "services", "endpoints"],
                    "verbs": ["get", "list", "watch"],
                },
                {
                    "apiGroups": ["networking.k8s.io"],
                    "resources": ["networkpolicies"],
                    "verbs": ["get", "list", "watch"],
                },
                {
                    "apiGroups": ["discovery.k8s.io"],
                    "resources": ["endpointslices"],
                    "verbs": ["get", "list", "watch"],
                },
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": name},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": name,
            },
            "subjects": [
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": KUBE_ROUTER_USER}
            ],
        },
    ]


def resolv_conf() -> str:
    """The node's resolv.conf: pods see cluster DNS only, and CoreDNS forwards nowhere."""
    return "# Written by localcluster: no upstream resolver; cluster names only.\noptions ndots:5\n"


# --- cluster DNS ---------------------------------------------------------------------------

DNS_PORT = 53
"""CoreDNS listens on 53 in its pod, as on every managed cluster: network policies that allow
DNS name that port. As a non-root user it may, through the pod's safe sysctl
`net.ipv4.ip_unprivileged_port_start`, which `restricted` allows."""


def corefile() -> str:
    """Cluster names only. No `forward`: a name outside the cluster gets SERVFAIL
    instead of a query to a resolver that is not ours."""
    return f""".:{DNS_PORT} {{
    errors
    health :8080
    ready :8181
    kubernetes {CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {{
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }}
    prometheus :9153
    cache 30
    loop
    reload
}}
"""


def coredns_objects(image: str) -> list[dict[str, Any]]:
    """CoreDNS as a Deployment in kube-system, with the RBAC it needs to watch the
    cluster and the `kube-dns` Service at the address the kubelet hands to pods."""
    name = "coredns"
    labels = {"k8s-app": "kube-dns", "app.kubernetes.io/name": name}
    meta = {"name": name, "namespace": "kube-system", "labels": labels}
    container = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": ["-conf", "/etc/coredns/Corefile"],
        "ports": [
            {"name": "dns", "containerPort": DNS_PORT, "protocol": "UDP"},
            {"name": "dns-tcp", "containerPort": DNS_PORT, "protocol": "TCP"},
            {"name": "metrics", "containerPort": 9153, "protocol": "TCP"},
        ],
        "resources": {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"memory": "128Mi"},
        },
        "livenessProbe": {
            "httpGet": {"path": "/health", "port": 8080},
            "periodSeconds": 10,
            "failureThreshold": 5,
        },
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181}, "periodSeconds": 2},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 65532,
            "runAsGroup": 65532,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [{"name": "config", "mountPath": "/etc/coredns", "readOnly": True}],
    }
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "gantry:coredns", "labels": labels},
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["services", "pods", "namespaces"],
                    "verbs": ["list", "watch"],
                },
                {
                    "apiGroups": ["discovery.k8s.io"],
                    "resources": ["endpointslices"],
                    "verbs": ["list", "watch"],
                },
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "gantry:coredns", "labels": labels},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "gantry:coredns",
            },
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": "kube-system"}],
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta,
            "data": {"Corefile": corefile()},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": name,
                        "priorityClassName": "system-cluster-critical",
                        "dnsPolicy": "Default",
                        "securityContext": {
                            "runAsNonRoot": True,
                            "sysctls": [
                                {"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}
                            ],
                        },
                        "containers": [container],
                        "volumes": [{"name": "config", "configMap": {"name": name}}],
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": "kube-system", "labels": labels},
            "spec": {
                "clusterIP": DNS_SERVICE_IP,
                "selector": labels,
                "ports": [
                    {"name": "dns", "port": 53, "targetPort": DNS_PORT, "protocol": "UDP"},
                    {"name": "dns-tcp", "port": 53, "targetPort": DNS_PORT, "protocol": "TCP"},
                    {"name": "metrics", "port": 9153, "targetPort": 9153, "protocol": "TCP"},
                ],
            },
        },
    ]


def apiserver_sans(s: ClusterSettings) -> list[str]:
    """The serving certificate's names: loopback, the `kubernetes` Service, the node's address."""
    ips = ["127.0.0.1", API_SERVICE_IP] + ([s.node_ip] if s.with_node else [])
    dns = [
        "localhost",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        f"kubernetes.default.svc.{CLUSTER_DOMAIN}",
    ]
    return [f"IP:{ip}" for ip in dict.fromkeys(ips)] + [f"DNS:{d}" for d in dns]
