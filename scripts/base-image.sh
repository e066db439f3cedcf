#!/usr/bin/env bash
# Assemble a distroless-like static base image without pulling anything and
# push it to the local registry as a linux/amd64 + linux/arm64 index, for use
# as ko's base (KO_DEFAULTBASEIMAGE).
#
# One layer, identical for both platforms (it holds no binaries):
#   /etc/passwd, /etc/group   root and nonroot (65532), no login shells
#   /etc/nsswitch.conf        files-based lookups, as distroless has
#   /etc/ssl/certs/ca-certificates.crt  the host's CA bundle
#   /home/nonroot             owned by 65532
#   /tmp                      mode 1777
# The config runs as 65532:65532 with SSL_CERT_FILE set. No shell, no libc.
#
# Usage: scripts/base-image.sh            prints the pushed index by digest
# Environment:
#   GANTRY_REGISTRY_PORT  local registry port (default 5001)
#   GANTRY_BASE_REPO      repository in that registry (default gantry/base-static)
#   GANTRY_CA_BUNDLE      CA bundle to copy (default /etc/ssl/certs/ca-certificates.crt)
#   GANTRY_CACHE          cache root (default $HOME/.cache/gantry)
#   GANTRY_BASE_REF_FILE  where the digest ref is also written, for the
#                         program (default $GANTRY_CACHE/base-image.ref)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${GANTRY_CACHE:-$HOME/.cache/gantry}"
REGISTRY="$("$ROOT/scripts/local-registry.sh" address)"
REPO="$REGISTRY/${GANTRY_BASE_REPO:-gantry/base-static}"
CA_BUNDLE="${GANTRY_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
PLATFORMS=(linux/amd64 linux/arm64)
NONROOT=65532

log() { printf '[base-image] %s\n' "$*" >&2; }
die() {
	printf '[base-image] error: %s\n' "$*" >&2
	exit 1
}

CRANE="$(command -v crane || true)"
[[ -n "$CRANE" ]] || CRANE="$CACHE/bin/crane"
[[ -x "$CRANE" ]] || die "crane not found: run scripts/bootstrap.sh image"
[[ -s "$CA_BUNDLE" ]] || die "CA bundle $CA_BUNDLE is missing or empty"
"$ROOT/scripts/local-registry.sh" status 2>/dev/null ||
	die "no registry on $REGISTRY: run scripts/local-registry.sh start"

# crane logs every blob to stderr: keep it for when something fails.
crane_quiet() {
	local out
	if ! out="$("$CRANE" "$@" 2>&1)"; then
		printf '%s\n' "$out" >&2
		die "crane $1 failed"
	fi
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/home/nonroot" "$rootfs/tmp"

cat >"$rootfs/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:$NONROOT:$NONROOT:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$rootfs/etc/group" <<EOF
root:x:0:
nobody:x:65534:
nonroot:x:$NONROOT:
EOF
printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
install -m 0644 "$CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group" "$rootfs/etc/nsswitch.conf"
chmod 0755 "$rootfs/etc" "$rootfs/etc/ssl" "$rootfs/etc/ssl/certs" "$rootfs/home"
chmod 0700 "$rootfs/home/nonroot"
chmod 1777 "$rootfs/tmp"

# Reproducible layer: fixed order, times and numeric owners; only
# /home/nonroot belongs to the nonroot user.
layer="$work/layer.tar"
tar -C "$rootfs" --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 \
	--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	--exclude=./home/nonroot -cf "$layer" .
tar -C "$rootfs" --sort=name --mtime=@0 --numeric-owner --owner=$NONROOT --group=$NONROOT \
	--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	-rf "$layer" ./home/nonroot

# Same inputs, same tag: a warm run only checks that the index is there.
config_args=(--user "$NONROOT:$NONROOT" --workdir /home/nonroot
	--env PATH=/usr/local/bin:/usr/bin:/bin --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt)
tag="$({
	sha256sum <"$layer"
	printf '%s\n' "${PLATFORMS[@]}" "${config_args[@]}"
} | sha256sum | cut -c1-16)"
if digest="$("$CRANE" digest "$REPO:$tag" 2>/dev/null)"; then
	log "up to date: $REPO:$tag"
else
	manifests=()
	for platform in "${PLATFORMS[@]}"; do
		arch="${platform#*/}"
		# Append onto the empty base, then set the platform (which the index
		# entry is inferred from) and the runtime config.
		crane_quiet append -f "$layer" -t "$REPO:$tag-$arch"
		crane_quiet mutate "$REPO:$tag-$arch" --set-platform "$platform" "${config_args[@]}" \
			-t "$REPO:$tag-$arch"
		manifests+=(-m "$REPO@$("$CRANE" digest "$REPO:$tag-$arch")")
	done
	crane_quiet index append "${manifests[@]}" -t "$REPO:$tag"
	digest="$("$CRANE" digest "$REPO:$tag")"
	log "pushed $REPO:$tag (${PLATFORMS[*]})"
fi

ref="$REPO@$digest"
printf '%s\n' "$ref" >"${GANTRY_BASE_REF_FILE:-$CACHE/base-image.ref}"
printf '%s\n' "$ref"
