#!/usr/bin/env bash
# Scan rendered Kubernetes manifests with checkov, an independent scanner.
#
# checkov is installed into its own venv under the cache directory (its
# dependency pins clash with the Pulumi SDKs), once, from
# requirements-checkov.txt. Skipped checks and their reasons live in
# .checkov.yaml at the repository root and are listed in docs/go-service.md.
#
# Usage: scripts/checkov.sh DIR   (exit status: checkov's; non-zero on any failure)
set -euo pipefail

if [[ $# -ne 1 || ! -d "$1" ]]; then
  echo "usage: $0 DIR (a directory of rendered manifests, e.g. out/render/dev)" >&2
  exit 2
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${GANTRY_CACHE:-$HOME/.cache/gantry}"
venv="$cache/checkov-venv"
requirements="$repo/requirements-checkov.txt"
python="${PYTHON:-python3}"

# Reinstall when the pin changes: the venv records the requirements it was built from.
if ! cmp -s "$requirements" "$venv/.requirements" 2>/dev/null || [[ ! -x "$venv/bin/checkov" ]]; then
  echo "checkov: installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into $venv" >&2
  rm -rf "$venv"
  mkdir -p "$cache"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/.requirements"
fi

exec "$venv/bin/checkov" \
  --config-file "$repo/.checkov.yaml" \
  -d "$1" \
  --framework kubernetes \
  --compact --quiet \
  --skip-download
