#!/usr/bin/env bash
# A real Kubernetes control plane on 127.0.0.1 for the local stack: etcd,
# kube-apiserver (normal admission chain, PodSecurity included),
# kube-controller-manager and kube-scheduler at the pinned release, and kwok
# simulating two nodes (amd64 in zone local-a, arm64 in zone local-b), so
# that scheduling, topology spread and readiness are real while no container
# runs. Everything is built by scripts/bootstrap.sh (group `cluster`).
#
# Usage: scripts/local-cluster.sh start|stop|status|kubeconfig
#   start       start what is not running yet; ready = /readyz ok and both nodes Ready
#   stop        stop every process this script started (by pid), nothing else
#   status      exit 0 when the API server answers /readyz
#   kubeconfig  print the admin kubeconfig's path
#   reset       stop, then delete the cluster's state (etcd data, certificates)
# Environment:
#   GANTRY_CACHE              cache root (default $HOME/.cache/gantry); binaries in bin/
#   GANTRY_CLUSTER_DIR        certificates, etcd data, logs, pids (default $GANTRY_CACHE/cluster)
#   GANTRY_CLUSTER_PORT       kube-apiserver port on 127.0.0.1 (default 6443)
#   GANTRY_CLUSTER_ETCD_PORT  etcd client port on 127.0.0.1 (default 12379; peer = +1)
set -euo pipefail

CACHE="${GANTRY_CACHE:-$HOME/.cache/gantry}"
BIN="$CACHE/bin"
DIR="${GANTRY_CLUSTER_DIR:-$CACHE/cluster}"
PKI="$DIR/pki"
PORT="${GANTRY_CLUSTER_PORT:-6443}"
ETCD_PORT="${GANTRY_CLUSTER_ETCD_PORT:-12379}"
ETCD_PEER_PORT=$((ETCD_PORT + 1))
SERVER="https://127.0.0.1:$PORT"
KUBECONFIG_ADMIN="$DIR/kubeconfig"
# Simulated cluster addresses: data in the API server only. Nothing listens
# there and nothing is sent there (no webhooks or aggregated APIs run locally).
SERVICE_CIDR=10.96.0.0/16
SERVICE_IP=10.96.0.1
NODES=("gantry-amd64:amd64:local-a" "gantry-arm64:arm64:local-b")
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

log() { printf '[cluster] %s\n' "$*" >&2; }
die() {
	printf '[cluster] error: %s\n' "$*" >&2
	exit 1
}

for port in "$PORT" "$ETCD_PORT"; do
	[[ "$port" =~ ^[0-9]+$ ]] && ((port > 0 && port < 65535)) || die "not a port number: '$port'"
done

# --- certificates -------------------------------------------------------
# One CA; a serving certificate for the API server; a client certificate per
# component, each with the identity Kubernetes' default RBAC expects.
cert() {
	local name="$1" subject="$2" ext="$3"
	[[ -f "$PKI/$name.crt" ]] && return 0
	openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -subj "$subject" \
		-out "$PKI/$name.csr" 2>/dev/null
	openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
		-CAcreateserial -days 365 -sha256 -extfile <(printf '%s\n' "$ext") \
		-out "$PKI/$name.crt" 2>/dev/null
	rm -f "$PKI/$name.csr"
}

pki() {
	mkdir -p "$PKI"
	chmod 700 "$PKI"
	if [[ ! -f "$PKI/ca.crt" ]]; then
		openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -days 3650 \
			-subj "/CN=gantry-local-ca" -out "$PKI/ca.crt" 2>/dev/null
	fi
	local client="basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
	cert apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
	cert admin "/O=system:masters/CN=gantry-admin" "$client"
	cert controller-manager "/CN=system:kube-controller-manager" "$client"
	cert scheduler "/CN=system:kube-scheduler" "$client"
	# kwok writes node and pod status for every simulated node.
	cert kwok "/O=system:masters/CN=gantry-kwok" "$client"
	if [[ ! -f "$PKI/sa.key" ]]; then
		openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
		openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
	fi
}

# kubeconfig NAME FILE: a kubeconfig for NAME's client certificate, embedded.
kubeconfig() {
	local name="$1" file="$2"
	cat >"$file.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: gantry-local
    cluster:
      server: $SERVER
      certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
  - name: $name
    user:
      client-certificate-data: $(base64 -w0 <"$PKI/$name.crt")
      client-key-data: $(base64 -w0 <"$PKI/$name.key")
contexts:
  - name: gantry-local
    context: {cluster: gantry-local, user: $name}
current-context: gantry-local
EOF
	chmod 600 "$file.tmp"
	mv -f "$file.tmp" "$file"
}

# --- processes ----------------------------------------------------------
pidfile() { printf '%s/%s.pid\n' "$DIR" "$1"; }

# The pid of COMPONENT if it is alive and is the binary this script started.
our_pid() {
	local file pid
	file="$(pidfile "$1")"
	[[ -f "$file" ]] || return 1
	pid="$(cat "$file")"
	[[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/exe" ]] || return 1
	[[ "$(readlink "/proc/$pid/exe")" == "$BIN/$1" ]] && printf '%s\n' "$pid"
}

launch() {
	local name="$1"
	shift
	if our_pid "$name" >/dev/null; then
		return 0
	fi
	[[ -x "$BIN/$name" ]] || die "$BIN/$name is missing: run scripts/bootstrap.sh cluster"
	# setsid: the control plane outlives this script and its terminal.
	setsid "$BIN/$name" "$@" >>"$DIR/$name.log" 2>&1 </dev/null &
	printf '%s\n' "$!" >"$(pidfile "$name")"
	log "started $name (pid $!, log $DIR/$name.log)"
}

api() {
	curl -fsS --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$@"
}

# wait_for WHAT SECONDS COMMAND...: poll COMMAND every half second, bounded.
wait_for() {
	local what="$1" seconds="$2" i
	shift 2
	for ((i = 0; i < seconds * 2; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	die "$what not ready within ${seconds}s; see the logs in $DIR"
}

etcd_ready() { curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }
api_ready() { api "$SERVER/readyz" | grep -qx ok; }

node_json() {
	local name="$1" arch="$2" zone="$3"
	cat <<EOF
{"apiVersion": "v1", "kind": "Node",
 "metadata": {"name": "$name",
   "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
   "labels": {"kubernetes.io/arch": "$arch", "kubernetes.io/os": "linux",
     "kubernetes.io/hostname": "$name", "topology.kubernetes.io/zone": "$zone",
     "topology.kubernetes.io/region": "local", "type": "kwok"}},
 "status": {"allocatable": {"cpu": "16", "memory": "64Gi", "pods": "110", "ephemeral-storage": "200Gi"},
   "capacity": {"cpu": "16", "memory": "64Gi", "pods": "110", "ephemeral-storage": "200Gi"},
   "nodeInfo": {"architecture": "$arch", "operatingSystem": "linux", "kubeletVersion": "fake"}}}
EOF
}

nodes_ready() {
	local ready
	ready="$(api "$SERVER/api/v1/nodes" | python3 -c '
import json, sys
nodes = json.load(sys.stdin)["items"]
print(sum(any(c["type"] == "Ready" and c["status"] == "True"
              for c in n.get("status", {}).get("conditions", [])) for n in nodes))')"
	[[ "$ready" -ge "${#NODES[@]}" ]]
}

register_nodes() {
	local entry name arch zone
	for entry in "${NODES[@]}"; do
		IFS=: read -r name arch zone <<<"$entry"
		api "$SERVER/api/v1/nodes/$name" >/dev/null 2>&1 && continue
		node_json "$name" "$arch" "$zone" |
			api -X POST -H 'Content-Type: application/json' --data-binary @- "$SERVER/api/v1/nodes" >/dev/null
		log "registered node $name ($arch, zone $zone)"
	done
}

start() {
	local begin=$SECONDS
	mkdir -p "$DIR/etcd"
	pki
	kubeconfig admin "$KUBECONFIG_ADMIN"
	kubeconfig controller-manager "$DIR/controller-manager.kubeconfig"
	kubeconfig scheduler "$DIR/scheduler.kubeconfig"
	kubeconfig kwok "$DIR/kwok.kubeconfig"

	launch etcd --name gantry --data-dir "$DIR/etcd" \
		--listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
		--advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
		--listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-cluster "gantry=http://127.0.0.1:$ETCD_PEER_PORT" \
		--listen-metrics-urls "" --quota-backend-bytes 2147483648
	wait_for etcd 30 etcd_ready

	launch kube-apiserver --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
		--bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$PORT" \
		--endpoint-reconciler-type none \
		--tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
		--client-ca-file "$PKI/ca.crt" --anonymous-auth=false \
		--authorization-mode Node,RBAC --allow-privileged=true \
		--service-cluster-ip-range "$SERVICE_CIDR" \
		--service-account-issuer https://kubernetes.default.svc.cluster.local \
		--service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key"
	wait_for kube-apiserver 120 api_ready

	launch kube-controller-manager --kubeconfig "$DIR/controller-manager.kubeconfig" \
		--authentication-kubeconfig "$DIR/controller-manager.kubeconfig" \
		--authorization-kubeconfig "$DIR/controller-manager.kubeconfig" \
		--bind-address 127.0.0.1 --secure-port 0 --leader-elect=false \
		--use-service-account-credentials=true \
		--service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
		--cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
		--service-cluster-ip-range "$SERVICE_CIDR"
	launch kube-scheduler --kubeconfig "$DIR/scheduler.kubeconfig" \
		--authentication-kubeconfig "$DIR/scheduler.kubeconfig" \
		--authorization-kubeconfig "$DIR/scheduler.kubeconfig" \
		--bind-address 127.0.0.1 --secure-port 0 --leader-elect=false
	[[ -f "$CACHE/kwok/stages.yaml" ]] || die "$CACHE/kwok/stages.yaml is missing: run scripts/bootstrap.sh cluster"
	launch kwok --kubeconfig "$DIR/kwok.kubeconfig" --config "$CACHE/kwok/stages.yaml" \
		--manage-all-nodes=false \
		--manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
		--node-ip 10.244.0.1 --cidr 10.244.0.0/16

	register_nodes
	wait_for "nodes (kwok)" 60 nodes_ready
	log "ready in $((SECONDS - begin))s: $SERVER, kubeconfig $KUBECONFIG_ADMIN"
}

stop() {
	local i name pid stopped=()
	# Reverse order: nodes and controllers first, etcd last.
	for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
		name="${COMPONENTS[i]}"
		if pid="$(our_pid "$name")"; then
			kill "$pid" 2>/dev/null || true
			for _ in $(seq 1 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.2
			done
			kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
			stopped+=("$name (pid $pid)")
		fi
		rm -f "$(pidfile "$name")"
	done
	if [[ ${#stopped[@]} -eq 0 ]]; then
		log "nothing to stop: no control-plane process started by this script"
	else
		log "stopped: ${stopped[*]}"
	fi
}

status() {
	if [[ -f "$PKI/admin.crt" ]] && api_ready; then
		log "running: $SERVER (kubeconfig $KUBECONFIG_ADMIN)"
		return 0
	fi
	log "not running"
	return 1
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
kubeconfig) printf '%s\n' "$KUBECONFIG_ADMIN" ;;
reset)
	stop
	rm -rf "$DIR"
	log "deleted $DIR"
	;;
*) die "usage: $0 start|stop|status|kubeconfig|reset" ;;
esac
