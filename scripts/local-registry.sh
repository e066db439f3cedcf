#!/usr/bin/env bash
# A container registry on 127.0.0.1 for the local stack (Debian's
# docker-registry, the CNCF distribution server), so that images can be
# pushed and read back without any public registry.
#
# Usage: scripts/local-registry.sh start|stop|status|address
#   start    start one unless a registry already answers on the port
#   stop     stop the registry this script started (nothing else)
#   status   exit 0 when a registry answers on the port
#   address  print host:port (127.0.0.1:PORT)
# Environment:
#   GANTRY_REGISTRY_PORT  port on 127.0.0.1 (default 5001)
#   GANTRY_CACHE          cache root (default $HOME/.cache/gantry); storage,
#                         config, log and pid file live in its registry/ dir
set -euo pipefail

PORT="${GANTRY_REGISTRY_PORT:-5001}"
ADDR="127.0.0.1:$PORT"
DIR="${GANTRY_CACHE:-$HOME/.cache/gantry}/registry"
CONFIG="$DIR/config.yml"
PIDFILE="$DIR/registry-$PORT.pid"
LOGFILE="$DIR/registry-$PORT.log"

log() { printf '[registry] %s\n' "$*" >&2; }
die() {
	printf '[registry] error: %s\n' "$*" >&2
	exit 1
}

if ! [[ "$PORT" =~ ^[0-9]+$ ]] || ((PORT < 1 || PORT > 65535)); then
	die "GANTRY_REGISTRY_PORT must be a port number (got '$PORT')"
fi

# The distribution API answers GET /v2/ with 200 when no auth is configured.
answers() { curl -fsS -o /dev/null --max-time 2 "http://$ADDR/v2/" 2>/dev/null; }

# The pid from our pid file, if that process is still our registry.
our_pid() {
	local pid
	[[ -f "$PIDFILE" ]] || return 1
	pid="$(cat "$PIDFILE")"
	[[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] &&
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "docker-registry serve $CONFIG" &&
		printf '%s\n' "$pid"
}

write_config() {
	mkdir -p "$DIR/storage"
	cat >"$CONFIG.tmp" <<EOF
# Written by scripts/local-registry.sh: loopback only, no auth, local disk.
version: 0.1
log:
  level: info
  fields:
    service: gantry-local-registry
storage:
  filesystem:
    rootdirectory: $DIR/storage
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $ADDR
  headers:
    X-Content-Type-Options: [nosniff]
EOF
	mv -f "$CONFIG.tmp" "$CONFIG"
}

ensure_binary() {
	command -v docker-registry >/dev/null && return 0
	log "installing Debian's docker-registry ..."
	# The package's own service would listen on all interfaces: keep it off.
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-registry >/dev/null ||
		die "apt-get install docker-registry failed (run apt-get update first?)"
	if command -v systemctl >/dev/null; then
		systemctl disable --now docker-registry >/dev/null 2>&1 || true
	fi
}

start() {
	if our_pid >/dev/null && answers; then
		log "already running on $ADDR (pid $(our_pid))"
		return 0
	fi
	if answers; then
		log "a registry not started by this script already answers on $ADDR: using it"
		return 0
	fi
	ensure_binary
	write_config
	# setsid: the registry outlives this script and its terminal.
	setsid docker-registry serve "$CONFIG" >>"$LOGFILE" 2>&1 </dev/null &
	local pid=$!
	printf '%s\n' "$pid" >"$PIDFILE"
	for _ in $(seq 1 50); do
		if answers; then
			log "started on $ADDR (pid $pid, storage $DIR/storage)"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill "$pid" 2>/dev/null || true
	rm -f "$PIDFILE"
	die "registry did not answer on $ADDR within 10s; last log lines:
$(tail -n 5 "$LOGFILE" 2>/dev/null)"
}

stop() {
	local pid
	if ! pid="$(our_pid)"; then
		rm -f "$PIDFILE"
		log "no registry started by this script on $ADDR"
		return 0
	fi
	kill "$pid"
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
	fi
	rm -f "$PIDFILE"
	log "stopped (pid $pid)"
}

status() {
	local pid
	if answers; then
		if pid="$(our_pid)"; then
			log "running on $ADDR (pid $pid, started by this script)"
		else
			log "a registry answers on $ADDR (not started by this script)"
		fi
		return 0
	fi
	log "no registry answers on $ADDR"
	return 1
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
address) printf '%s\n' "$ADDR" ;;
*) die "usage: $0 start|stop|status|address" ;;
esac
