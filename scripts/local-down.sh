#!/usr/bin/env bash
# `make down`: destroy the stack's resources, then stop what `make up`
# started (control plane, registry), whatever failed before, and say what was
# stopped. State and storage stay (`scripts/local-cluster.sh reset`, and
# removing .pulumi/ and $GANTRY_CACHE/registry/, start from nothing).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK="${GANTRY_STACK:-local}"
PY="$ROOT/.venv/bin/python"
status=0

step() { printf '\n==> %s\n' "$*" >&2; }

cd "$ROOT"
step "destroy (stack $STACK)"
if [[ -x "$PY" ]]; then
	config_args=()
	[[ -n "${GANTRY_CONFIG_FILE:-}" ]] && config_args=(--config-file "$GANTRY_CONFIG_FILE")
	"$PY" -m gantry.driver destroy --stack "$STACK" "${config_args[@]}" || status=$?
else
	echo "[local-down] no .venv: nothing was deployed by make up" >&2
fi
if [[ "$status" -ne 0 ]]; then
	echo "[local-down] destroy failed (exit $status): stopping the local services anyway" >&2
fi

step "local cluster"
"$ROOT/scripts/local-cluster.sh" stop || status=$?
step "registry"
"$ROOT/scripts/local-registry.sh" stop || status=$?
exit "$status"
