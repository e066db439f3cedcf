#!/usr/bin/env bash
# Check a pushed image index of the Go service: exactly linux/amd64 and
# linux/arm64, a static ELF entrypoint of each architecture, user 65532 and no
# shell. Exits 1 on any violation (each one printed), 2 when it cannot read
# the image. Usage: scripts/verify-image.sh IMAGE_REF
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${GANTRY_CACHE:-$HOME/.cache/gantry}"
[[ $# -eq 1 ]] || {
	echo "usage: $0 IMAGE_REF" >&2
	exit 2
}
crane="$(command -v crane || echo "$CACHE/bin/crane")"
[[ -x "$crane" ]] || {
	echo "verify-image: crane not found: run scripts/bootstrap.sh image" >&2
	exit 2
}
python="$ROOT/.venv/bin/python"
[[ -x "$python" ]] || python="$(command -v python3)"
exec "$python" "$ROOT/scripts/verify_image.py" --crane "$crane" "$1"
