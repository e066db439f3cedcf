#!/usr/bin/env bash
# Run `pulumi ARGS...` for a gantry stack with the local settings: the
# toolchain from scripts/bootstrap.sh, the file backend inside the repo
# (.pulumi/, gitignored) and the stack selected (created when missing).
# local-up.sh, local-down.sh and the integration tests go through here.
#
# Usage: scripts/local-pulumi.sh preview --expect-no-changes ...
# Environment:
#   GANTRY_STACK               stack name (default local)
#   PULUMI_CONFIG_PASSPHRASE   secrets passphrase of the stack. When unset, the
#                              local stack uses "gantry-local-only": a
#                              documented default for a throwaway stack on a
#                              laptop or CI machine, never for dev or prod.
#   PULUMI_BACKEND_URL         default file://<repo>/.pulumi
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${GANTRY_CACHE:-$HOME/.cache/gantry}"
STACK="${GANTRY_STACK:-local}"

die() {
	printf '[local-pulumi] error: %s\n' "$*" >&2
	exit 1
}

[[ -f "$CACHE/env.sh" ]] || die "no toolchain yet: run scripts/bootstrap.sh"
# shellcheck source=/dev/null
source "$CACHE/env.sh"
command -v pulumi >/dev/null || die "pulumi not found after sourcing $CACHE/env.sh"

if [[ -z "${PULUMI_CONFIG_PASSPHRASE:-}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
	[[ "$STACK" == local ]] ||
		die "set PULUMI_CONFIG_PASSPHRASE for stack '$STACK' (the default is for the local stack only)"
	export PULUMI_CONFIG_PASSPHRASE=gantry-local-only
fi

# The backend is chosen per process (not `pulumi login`, which would change
# the user's default backend in ~/.pulumi/credentials.json for every project).
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$ROOT/.pulumi}"
if [[ "$PULUMI_BACKEND_URL" == file://* ]]; then
	mkdir -p "${PULUMI_BACKEND_URL#file://}"
fi

cd "$ROOT"
[[ -x .venv/bin/python ]] || die "no .venv: create it first (make venv)"
pulumi stack select --create "$STACK" --non-interactive >&2
exec pulumi --non-interactive --stack "$STACK" "$@"
