#!/usr/bin/env bash
# `make down`: destroy the local stack's resources, then stop the registry
# that local-up.sh started. The state and the registry's storage stay in
# place (remove .pulumi/ and $GANTRY_CACHE/registry/ to start from nothing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK="${GANTRY_STACK:-local}"

step() { printf '\n==> %s\n' "$*" >&2; }

step "pulumi destroy (stack $STACK)"
"$ROOT/scripts/local-pulumi.sh" destroy --yes

step "registry"
"$ROOT/scripts/local-registry.sh" stop
