#!/usr/bin/env bash
# Build actionlint from its Go module into the gantry tool cache.
#
# Why from source: CI and developer machines reach the Go module proxy but not
# release downloads, and a pinned module version gives the same binary everywhere.
# Idempotent: does nothing when the pinned version is already installed.
set -euo pipefail

ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
CACHE_DIR="${GANTRY_CACHE:-$HOME/.cache/gantry}"
BIN_DIR="$CACHE_DIR/bin"
BIN="$BIN_DIR/actionlint"

if ! command -v go >/dev/null 2>&1; then
  echo "install-actionlint: 'go' is not on PATH; install Go >= 1.24 first" >&2
  exit 1
fi

if [[ -x "$BIN" ]] && [[ "$("$BIN" -version 2>/dev/null | head -n1)" == "${ACTIONLINT_VERSION}" ]]; then
  echo "actionlint ${ACTIONLINT_VERSION} already at $BIN"
  exit 0
fi

mkdir -p "$BIN_DIR"
# GOBIN puts the binary in our cache; -ldflags stamps the version that
# `actionlint -version` prints (the module's own release builds do the same).
GOBIN="$BIN_DIR" CGO_ENABLED=0 go install \
  -trimpath \
  -ldflags "-s -w -X github.com/rhysd/actionlint.version=${ACTIONLINT_VERSION}" \
  "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"

"$BIN" -version | head -n1
echo "actionlint installed at $BIN"
