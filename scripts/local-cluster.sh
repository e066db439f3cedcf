#!/usr/bin/env bash
# The local cluster: a real Kubernetes control plane (etcd, kube-apiserver
# with the normal admission chain, kube-controller-manager, kube-scheduler at
# the pinned release), kwok simulating two nodes (amd64 in zone local-a, arm64
# in zone local-b) for what cannot run here, and a real node (containerd,
# runc, the kubelet, kube-proxy, CoreDNS) where gantry's own images run.
# Everything is built by scripts/bootstrap.sh (group `cluster`); the logic is
# the `localcluster` package (docs/toolchain.md), standard library only.
#
# Usage: scripts/local-cluster.sh start|stop|status|kubeconfig|reset
#   start       start what is not running yet; ready = /readyz ok, every node Ready, DNS available
#   stop        delete the real node's pods, stop every process it started (by pid), undo
#               every change to the host (mounts, bridge, routes, iptables, sysctls, paths)
#   status      exit 0 when the API server answers /readyz
#   kubeconfig  print the admin kubeconfig's path
#   reset       stop, then delete the cluster's state (etcd data, certificates, images)
# Environment:
#   GANTRY_CACHE              cache root (default $HOME/.cache/gantry); binaries in bin/
#   GANTRY_CLUSTER_DIR        state, logs, pids (default $GANTRY_CACHE/cluster)
#   GANTRY_CLUSTER_PORT       kube-apiserver port (default 6443)
#   GANTRY_CLUSTER_ETCD_PORT  etcd client port on 127.0.0.1 (default 12379; peer = +1)
#   GANTRY_CLUSTER_NODE       real (default) | none: simulated nodes only, no root needed
#   GANTRY_CLUSTER_NODES      how many real nodes (default 1; 2 for a drain with somewhere to go)
#   GANTRY_NODE_IP            the node's address (default: the default route's interface)
#   GANTRY_REGISTRY_PORT      the local registry's port (default 5001)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The real node needs root (mounts, cgroups, iptables); on a laptop or a hosted
# runner that is sudo, for this script only. The admin kubeconfig is handed back
# to the calling user (localcluster chowns it to SUDO_UID).
if [[ "$(id -u)" != 0 && "${GANTRY_CLUSTER_NODE:-real}" == real && "${1:-}" != kubeconfig ]]; then
	exec sudo --preserve-env=GANTRY_CACHE,GANTRY_CLUSTER_DIR,GANTRY_CLUSTER_PORT,GANTRY_CLUSTER_ETCD_PORT,GANTRY_CLUSTER_NODE,GANTRY_CLUSTER_NODES,GANTRY_NODE_IP,GANTRY_REGISTRY_PORT,GANTRY_PYTHON \
		env "GANTRY_CACHE=${GANTRY_CACHE:-$HOME/.cache/gantry}" "$0" "$@"
fi
# The project's virtualenv when there is one (PyYAML reads upstream's manifests).
PY="${GANTRY_PYTHON:-}"
[[ -z "$PY" && -x "$ROOT/.venv/bin/python" ]] && PY="$ROOT/.venv/bin/python"
exec "${PY:-python3}" -m localcluster "$@"
