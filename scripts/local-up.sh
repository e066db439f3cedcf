#!/usr/bin/env bash
# `make up`: the toolchain, the local services the stack needs (registry and
# control plane on 127.0.0.1), the locally assembled base image, then
# `up` through the Automation API driver with the stack's policy pack
# enforced. Safe to run again.
#
# Environment: GANTRY_STACK (default local), GANTRY_CONFIG_FILE (a stack config
# file instead of Pulumi.<stack>.yaml, e.g. a copy with other settings); see scripts/bootstrap.sh,
# scripts/local-registry.sh and scripts/local-cluster.sh for theirs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK="${GANTRY_STACK:-local}"
PY="$ROOT/.venv/bin/python"
start=$SECONDS

step() { printf '\n==> %s\n' "$*" >&2; }
die() {
	printf '[local-up] error: %s\n' "$*" >&2
	exit 1
}

[[ -x "$PY" ]] || die "no .venv: run make venv"
[[ -f "$ROOT/Pulumi.$STACK.yaml" ]] || die "Pulumi.$STACK.yaml is missing in $ROOT"
cd "$ROOT"
config_args=()
[[ -n "${GANTRY_CONFIG_FILE:-}" ]] && config_args=(--config-file "$GANTRY_CONFIG_FILE")
services="$("$PY" -m gantry.driver services --stack "$STACK" "${config_args[@]}")"

step "toolchain"
groups=(engine plugins image)
[[ " $services " == *" cluster "* ]] && groups+=(cluster)
[[ " $services " == *" chart-images "* ]] && groups+=(observability)
"$ROOT/scripts/bootstrap.sh" "${groups[@]}"

if [[ " $services " == *" registry "* ]]; then
	step "registry on 127.0.0.1"
	"$ROOT/scripts/local-registry.sh" start
	step "base image"
	GANTRY_KO_BASE_IMAGE="$("$ROOT/scripts/base-image.sh")"
	export GANTRY_KO_BASE_IMAGE
	echo "base: $GANTRY_KO_BASE_IMAGE" >&2
fi
if [[ " $services " == *" cluster "* ]]; then
	if [[ " $services " == *" node "* ]]; then
		step "local cluster: control plane, kwok's simulated nodes and a real node"
		export GANTRY_CLUSTER_NODE=real
	else
		step "local cluster: control plane and kwok's simulated nodes (nodes: simulated)"
		export GANTRY_CLUSTER_NODE=none
	fi
	"$ROOT/scripts/local-cluster.sh" start
fi
if [[ " $services " == *" chart-images "* ]]; then
	step "observability images: the chart's own names, resolved to the local registry"
	"$ROOT/scripts/local-cluster.sh" chart-images >&2
fi

step "up (stack $STACK, policy pack enforced)"
"$PY" -m gantry.driver up --stack "$STACK" "${config_args[@]}"
printf '\nstack %s up in %ss (state: .pulumi/, kubeconfig: %s)\n' "$STACK" "$((SECONDS - start))" \
	"$("$ROOT/scripts/local-cluster.sh" kubeconfig)" >&2
if [[ " $services " == *" node "* ]]; then
	"$ROOT/scripts/local-cluster.sh" reach >&2
fi
