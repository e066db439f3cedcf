#!/usr/bin/env bash
# `make up` for the local stack: toolchain, registry on 127.0.0.1, locally
# assembled base image, then `pulumi up` with the policy pack enforced by the
# engine, and a summary of the outputs. Safe to run again.
#
# Environment: GANTRY_POLICY_PACK (default policies/) and
# GANTRY_POLICY_PACK_CONFIG (default <pack>/config/<stack>.json); see also
# scripts/bootstrap.sh, scripts/local-registry.sh and scripts/local-pulumi.sh
# (GANTRY_STACK, PULUMI_CONFIG_PASSPHRASE).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK="${GANTRY_STACK:-local}"
PACK="${GANTRY_POLICY_PACK:-$ROOT/policies}"
PACK_CONFIG="${GANTRY_POLICY_PACK_CONFIG:-$PACK/config/$STACK.json}"
start=$SECONDS

step() { printf '\n==> %s\n' "$*" >&2; }
die() {
	printf '[local-up] error: %s\n' "$*" >&2
	exit 1
}

# Fail before any work when the parts this driver only wires are missing.
[[ -f "$ROOT/Pulumi.yaml" && -f "$ROOT/Pulumi.$STACK.yaml" ]] ||
	die "Pulumi.yaml or Pulumi.$STACK.yaml is missing in $ROOT"
[[ -f "$PACK/PulumiPolicy.yaml" && -f "$PACK/__main__.py" ]] ||
	die "the policy pack is missing: expected $PACK/PulumiPolicy.yaml and $PACK/__main__.py"
[[ -f "$PACK_CONFIG" ]] ||
	die "the policy pack config for stack '$STACK' is missing: expected $PACK_CONFIG"

# With a missing virtualenv the engine waits forever at "Loading policy
# packs" (pulumi v3.259.0): say so instead.
pack_venv="$(awk '$1 == "virtualenv:" { print $2 }' "$PACK/PulumiPolicy.yaml")"
if [[ -n "$pack_venv" ]]; then
	[[ "$pack_venv" == /* ]] || pack_venv="$PACK/$pack_venv"
	[[ -x "$pack_venv/bin/python" ]] ||
		die "the policy pack's virtualenv $pack_venv does not exist (PulumiPolicy.yaml runtime.options.virtualenv)"
fi

step "toolchain"
"$ROOT/scripts/bootstrap.sh" engine plugins image

step "registry on 127.0.0.1"
"$ROOT/scripts/local-registry.sh" start

step "base image"
GANTRY_KO_BASE_IMAGE="$("$ROOT/scripts/base-image.sh")"
export GANTRY_KO_BASE_IMAGE
echo "base: $GANTRY_KO_BASE_IMAGE" >&2

step "pulumi up (stack $STACK, policy pack enforced)"
"$ROOT/scripts/local-pulumi.sh" up --yes \
	--policy-pack "$PACK" --policy-pack-config "$PACK_CONFIG"

step "outputs (secrets stay masked)"
"$ROOT/scripts/local-pulumi.sh" stack output --json |
	"$ROOT/.venv/bin/python" -c '
import json, sys
outputs = json.load(sys.stdin)
width = max((len(k) for k in outputs), default=0)
for key, value in sorted(outputs.items()):
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    print(f"  {key:<{width}}  {text}")
'
printf '\nlocal stack up in %ss (state: .pulumi/, manifests: out/%s/ when no cluster)\n' \
	"$((SECONDS - start))" "$STACK" >&2
