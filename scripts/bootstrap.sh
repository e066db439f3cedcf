#!/usr/bin/env bash
# Make the Pulumi engine, the resource plugins, the image/lint tools and a
# local Kubernetes control plane available on a machine without internet.
#
# A `pulumi` already on PATH (the normal install, which downloads plugins on
# demand) is used as is. Otherwise everything is built from the Go modules
# pinned under toolchain/ into ${GANTRY_CACHE:-$HOME/.cache/gantry}/bin, and
# the engine is told never to download plugins. Idempotent: a stamp per tool
# (hash of its pins and the Go version) makes a warm run a few checks.
#
# Usage: scripts/bootstrap.sh [--env] [GROUP...]
#   GROUP: engine (pulumi and the Python dynamic-provider plugin),
#          plugins (kubernetes), image (ko, crane), lint (actionlint),
#          cluster (etcd, kube-apiserver, kube-controller-manager,
#          kube-scheduler, kwok, and the real node: kubelet, kube-proxy,
#          containerd, containerd-shim-runc-v2, runc, coredns and the
#          sandbox program),
#          observability (the kube-prometheus-stack chart's Apache-licensed
#          programs: prometheus-operator, prometheus-config-reloader,
#          Prometheus, promtool, Alertmanager, amtool, kube-state-metrics,
#          node_exporter). Default: all of them.
#   --env  print `export` lines for eval, e.g.
#          eval "$(scripts/bootstrap.sh --env)"
#   The yaml GROUP builds pulumi-language-yaml, the YAML language host,
#   beside pulumi (build mode only: the normal install ships one).
# Environment:
#   GANTRY_CACHE          cache root (default $HOME/.cache/gantry)
#   GANTRY_TOOLCHAIN      auto (default) | path | build
#   GANTRY_GO_JOBS        parallel Go compile jobs (default 2)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLCHAIN="$ROOT/toolchain"
CACHE="${GANTRY_CACHE:-$HOME/.cache/gantry}"
BIN="$CACHE/bin"
STAMPS="$CACHE/stamps"
SRC="$CACHE/src"

log() { printf '[bootstrap] %s\n' "$*" >&2; }
die() {
	printf '[bootstrap] error: %s\n' "$*" >&2
	exit 1
}

print_env=false
groups=()
for arg in "$@"; do
	case "$arg" in
	--env) print_env=true ;;
	engine | plugins | image | lint | cluster | observability | yaml) groups+=("$arg") ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown argument '$arg' (see --help)" ;;
	esac
done
[[ ${#groups[@]} -gt 0 ]] || groups=(engine plugins image lint cluster observability yaml)
wants() { [[ " ${groups[*]} " == *" $1 "* ]]; }

# shellcheck source=/dev/null
source "$TOOLCHAIN/versions.env"
command -v go >/dev/null || die "go is required to build the toolchain"
export GOFLAGS="-p=${GANTRY_GO_JOBS:-2} -buildvcs=false -trimpath"
GO_VERSION="$(go env GOVERSION)"
mkdir -p "$BIN" "$STAMPS" "$SRC"

# --- pins ---------------------------------------------------------------
# Version of MODULE required by the wrapper go.mod FILE.
required_version() {
	awk -v m="$2" '($1 == m && $2 ~ /^v/) { print $2 } ($1 == "require" && $2 == m) { print $3 }' "$1"
}

check_pin() {
	local file="$1" module="$2" want="$3" got
	got="$(required_version "$file" "$module")"
	[[ "$got" == "$want" ]] ||
		die "$module is '$got' in ${file#"$ROOT"/} but '$want' in toolchain/versions.env"
}

check_pin "$TOOLCHAIN/pulumi/go.mod" github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION"
check_pin "$TOOLCHAIN/pulumi/go.mod" github.com/pulumi/pulumi/sdk/v3 "$PULUMI_VERSION"
check_pin "$TOOLCHAIN/kubernetes/go.mod" github.com/pulumi/pulumi-kubernetes/provider/v4 \
	"$KUBERNETES_PROVIDER_MODULE_VERSION"
check_pin "$TOOLCHAIN/kubernetes/go.mod" github.com/pulumi/pulumi-kubernetes/sdk/v4 \
	"v$KUBERNETES_PLUGIN_VERSION"
# shellcheck disable=SC2153 # set by versions.env
check_pin "$TOOLCHAIN/tools/go.mod" github.com/google/ko "$KO_VERSION"
check_pin "$TOOLCHAIN/tools/go.mod" github.com/google/go-containerregistry "$CRANE_VERSION"
check_pin "$TOOLCHAIN/actionlint/go.mod" github.com/rhysd/actionlint "$ACTIONLINT_VERSION"
check_pin "$TOOLCHAIN/yaml/go.mod" github.com/pulumi/pulumi-yaml "$PULUMI_YAML_VERSION"
check_pin "$TOOLCHAIN/controlplane/go.mod" k8s.io/kubernetes "$KUBERNETES_VERSION"
check_pin "$TOOLCHAIN/controlplane/go.mod" sigs.k8s.io/kwok "$KWOK_VERSION"
check_pin "$TOOLCHAIN/controlplane/go.mod" go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
check_pin "$TOOLCHAIN/containerd/go.mod" github.com/containerd/containerd/v2 "$CONTAINERD_VERSION"
check_pin "$TOOLCHAIN/runc/go.mod" github.com/opencontainers/runc "$RUNC_VERSION"
check_pin "$TOOLCHAIN/coredns/go.mod" github.com/coredns/coredns "$COREDNS_VERSION"
check_pin "$TOOLCHAIN/kube-router/go.mod" github.com/cloudnativelabs/kube-router/v2 "$KUBE_ROUTER_VERSION"
check_pin "$TOOLCHAIN/metrics-server/go.mod" sigs.k8s.io/metrics-server "$METRICS_SERVER_VERSION"
check_pin "$TOOLCHAIN/prometheus-operator/go.mod" github.com/prometheus-operator/prometheus-operator \
	"$PROMETHEUS_OPERATOR_VERSION"
check_pin "$TOOLCHAIN/prometheus/go.mod" github.com/prometheus/prometheus "$PROMETHEUS_MODULE_VERSION"
check_pin "$TOOLCHAIN/alertmanager/go.mod" github.com/prometheus/alertmanager "$ALERTMANAGER_VERSION"
check_pin "$TOOLCHAIN/kube-state-metrics/go.mod" k8s.io/kube-state-metrics/v2 "$KUBE_STATE_METRICS_VERSION"
check_pin "$TOOLCHAIN/node-exporter/go.mod" github.com/prometheus/node_exporter "$NODE_EXPORTER_VERSION"

# --- stamps -------------------------------------------------------------
# A tool is up to date when its binary exists and its stamp holds the hash of
# everything that decides its content.
# Paths enter relative to the checkout, so that a clone elsewhere (CI's) finds
# the same stamps and reuses the binaries.
fingerprint() {
	{
		printf '%s\n' "$GO_VERSION" "${@#"$ROOT"/}"
		for f in "$@"; do if [[ -f "$f" ]]; then cat "$f"; fi; done
	} | sha256sum | cut -d' ' -f1
}

fresh() {
	local tool="$1" print="$2"
	[[ -x "$BIN/$tool" && -f "$STAMPS/$tool" && "$(cat "$STAMPS/$tool")" == "$print" ]]
}

stamp() { printf '%s\n' "$2" >"$STAMPS/$1"; }

# Build PKG (in the module at DIR) to $BIN/TOOL atomically. GO_TAGS, when
# set, are the build tags; GO_CGO, when set, is CGO_ENABLED.
go_build() {
	local dir="$1" tool="$2" pkg="$3" ldflags="$4" start=$SECONDS
	log "building $tool ..."
	(cd "$dir" && env ${GO_CGO:+CGO_ENABLED=$GO_CGO} go build -tags "${GO_TAGS:-}" -ldflags "$ldflags" \
		-o "$BIN/.$tool.$$.tmp" "$pkg")
	mv -f "$BIN/.$tool.$$.tmp" "$BIN/$tool"
	log "built $tool in $((SECONDS - start))s"
}

module_dir() { (cd "$1" && go mod download -json "$2" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'); }

# --- engine -------------------------------------------------------------
VERSION_PKG=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version

build_pulumi() {
	local mod="$TOOLCHAIN/pulumi" print
	print="$(fingerprint "$mod/go.mod" "$mod/go.sum")"
	fresh pulumi "$print" && return 0
	go_build "$mod" pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
		"-s -w -X $VERSION_PKG=$PULUMI_VERSION"
	stamp pulumi "$print"
}

# Python scripts from the sdk/v3 module that the engine runs: the language
# host's exec shim, and the plugin that serves Python dynamic providers.
PYTHON_SCRIPTS=(python/dist/pulumi-resource-pulumi-python)

install_python_scripts() {
	local mod="$TOOLCHAIN/pulumi" print dir script
	print="$(fingerprint "$mod/go.sum" "${PYTHON_SCRIPTS[@]}")"
	fresh pulumi-resource-pulumi-python "$print" && return 0
	dir="$(module_dir "$mod" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION")"
	for script in "${PYTHON_SCRIPTS[@]}"; do
		install -m 0755 "$dir/$script" "$BIN/${script##*/}"
		stamp "${script##*/}" "$print"
	done
}

# --- plugins ------------------------------------------------------------
# Upstream's main package embeds schema-embed.json, made by `go generate`
# from the committed schema.json, and replaces sdk/v4 with ../sdk: build in a
# writable copy whose replace points at the sdk/v4 module of the same tag.
build_kubernetes() {
	local mod="$TOOLCHAIN/kubernetes" print provider sdk work
	print="$(fingerprint "$mod/go.mod" "$mod/go.sum")"
	fresh pulumi-resource-kubernetes "$print" && return 0
	provider="$(module_dir "$mod" "github.com/pulumi/pulumi-kubernetes/provider/v4@$KUBERNETES_PROVIDER_MODULE_VERSION")"
	sdk="$(module_dir "$mod" "github.com/pulumi/pulumi-kubernetes/sdk/v4@v$KUBERNETES_PLUGIN_VERSION")"
	[[ -d "$provider" && -d "$sdk" ]] || die "could not download the kubernetes provider modules"
	work="$SRC/pulumi-kubernetes-$KUBERNETES_PLUGIN_VERSION"
	rm -rf "$work" && cp -R "$provider" "$work" && chmod -R u+w "$work"
	(
		cd "$work"
		go mod edit -replace "github.com/pulumi/pulumi-kubernetes/sdk/v4=$sdk"
		cd cmd/pulumi-resource-kubernetes
		VERSION="$KUBERNETES_PLUGIN_VERSION" go generate ./main.go
	)
	go_build "$work" pulumi-resource-kubernetes ./cmd/pulumi-resource-kubernetes \
		"-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_PLUGIN_VERSION"
	stamp pulumi-resource-kubernetes "$print"
}

# --- local control plane ------------------------------------------------
# etcd, the Kubernetes control plane and kwok's simulated nodes, for the
# local cluster (scripts/local-cluster.sh). The Kubernetes binaries must carry
# their release version, or the server reports v0.0.0-master and charts with a
# kubeVersion constraint refuse it.
KUBE_VERSION_PKG=k8s.io/component-base/version

build_controlplane() {
	local mod="$TOOLCHAIN/controlplane" minor kube_ldflags cmd
	minor="${KUBERNETES_VERSION#v1.}"
	minor="${minor%%.*}"
	kube_ldflags="-X $KUBE_VERSION_PKG.gitVersion=$KUBERNETES_VERSION -X $KUBE_VERSION_PKG.gitMajor=1"
	kube_ldflags+=" -X $KUBE_VERSION_PKG.gitMinor=$minor -X $KUBE_VERSION_PKG.gitTreeState=clean"
	build_tool controlplane etcd go.etcd.io/etcd/server/v3 ""
	for cmd in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
		build_tool controlplane "$cmd" "k8s.io/kubernetes/cmd/$cmd" "$kube_ldflags"
	done
	build_tool controlplane kwok sigs.k8s.io/kwok/cmd/kwok ""
	install_kwok_stages
}

# --- the real node ------------------------------------------------------
# containerd and its runc shim, runc (cgo: it links Debian's libseccomp, so
# the RuntimeDefault seccomp profile is enforced), CoreDNS (run as a pod from
# an image scripts/node-images.sh assembles) and gantry's sandbox program.
build_node() {
	build_tool containerd containerd github.com/containerd/containerd/v2/cmd/containerd \
		"-X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION"
	build_tool containerd containerd-shim-runc-v2 \
		github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 \
		"-X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION"
	[[ -f /usr/include/seccomp.h ]] || die "runc needs libseccomp's headers: apt-get install libseccomp-dev (make apt-tools)"
	GO_CGO=1 GO_TAGS=seccomp build_tool runc runc github.com/opencontainers/runc \
		"-X main.gitCommit=$RUNC_VERSION"
	# Static (no cgo): these run in images with no libc.
	GO_CGO=0 build_tool coredns coredns github.com/coredns/coredns ""
	GO_CGO=0 build_tool pause gantry-pause . ""
	# NetworkPolicy enforcement on the real node (its Go dependencies raised past the
	# reported flaws of v2.1.0's, as distributions do) and the metrics API for the HPA.
	build_tool kube-router kube-router github.com/cloudnativelabs/kube-router/v2/cmd/kube-router \
		"-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION"
	GO_CGO=0 build_tool metrics-server metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server ""
	install_module_files metrics-server "sigs.k8s.io/metrics-server@$METRICS_SERVER_VERSION" \
		manifests/base/rbac.yaml manifests/base/service.yaml manifests/base/deployment.yaml \
		manifests/base/apiservice.yaml
}

# --- the observability stack's programs ----------------------------------
# What kube-prometheus-stack runs, built at the versions its pinned chart
# references; localcluster/images.py puts each on gantry's base image under
# the chart's own repository path. All static: the images have no libc.
PROM_VERSION_PKG=github.com/prometheus/common/version

prometheus_ldflags() {
	printf -- '-X %s.Version=%s -X %s.Revision=%s -X %s.Branch=HEAD -X %s.BuildUser=gantry -X %s.BuildDate=19700101-00:00:00' \
		"$PROM_VERSION_PKG" "$1" "$PROM_VERSION_PKG" "$2" "$PROM_VERSION_PKG" "$PROM_VERSION_PKG" "$PROM_VERSION_PKG"
}

build_observability() {
	local cmd
	local GO_CGO=0
	for cmd in operator prometheus-config-reloader; do
		build_tool prometheus-operator "${cmd/#operator/prometheus-operator}" \
			"github.com/prometheus-operator/prometheus-operator/cmd/$cmd" \
			"$(prometheus_ldflags "${PROMETHEUS_OPERATOR_VERSION#v}" "$PROMETHEUS_OPERATOR_VERSION")"
	done
	# netgo: the pure-Go resolver, as upstream's release builds.
	for cmd in prometheus promtool; do
		GO_TAGS=netgo build_tool prometheus "$cmd" "github.com/prometheus/prometheus/cmd/$cmd" \
			"$(prometheus_ldflags "${PROMETHEUS_VERSION#v}" "$PROMETHEUS_VERSION")"
	done
	build_alertmanager
	build_tool kube-state-metrics kube-state-metrics k8s.io/kube-state-metrics/v2 \
		"-X $PROM_VERSION_PKG.Version=$KUBE_STATE_METRICS_VERSION -X $PROM_VERSION_PKG.Revision=$KUBE_STATE_METRICS_VERSION"
	build_tool node-exporter node_exporter github.com/prometheus/node_exporter \
		"$(prometheus_ldflags "${NODE_EXPORTER_VERSION#v}" "$NODE_EXPORTER_VERSION")"
}

# Alertmanager's module lacks its built web UI (ui/app/dist is made by the Elm
# compiler, not served here) and go:embed needs the directory: build from a
# writable copy of the pinned module with a one-page placeholder UI. The API,
# /-/ready and /-/healthy are unaffected.
build_alertmanager() {
	local mod="$TOOLCHAIN/alertmanager" print dir work cmd
	print="$(fingerprint "$mod/go.mod" "$mod/go.sum" alertmanager "cgo=0")"
	fresh alertmanager "$print" && fresh amtool "$print" && return 0
	dir="$(module_dir "$mod" "github.com/prometheus/alertmanager@$ALERTMANAGER_VERSION")"
	[[ -d "$dir" ]] || die "could not download github.com/prometheus/alertmanager@$ALERTMANAGER_VERSION"
	work="$SRC/alertmanager-$ALERTMANAGER_VERSION"
	rm -rf "$work" && cp -R "$dir" "$work" && chmod -R u+w "$work"
	mkdir -p "$work/ui/app/dist"
	printf '<!doctype html><title>Alertmanager</title><p>The web UI is not built here; the API is at /api/v2.\n' \
		>"$work/ui/app/dist/index.html"
	for cmd in alertmanager amtool; do
		go_build "$work" "$cmd" "./cmd/$cmd" \
			"-s -w $(prometheus_ldflags "${ALERTMANAGER_VERSION#v}" "$ALERTMANAGER_VERSION")"
		stamp "$cmd" "$print"
	done
}

# install_module_files TOOLCHAIN_DIR MODULE@VERSION FILE...: copy files of a pinned module
# into $CACHE/<toolchain dir>/ (upstream's manifests, read at run time, never committed).
install_module_files() {
	local mod="$1" module="$2" dir file out="$CACHE/$1"
	shift 2
	dir="$(module_dir "$TOOLCHAIN/$mod" "$module")"
	[[ -d "$dir" ]] || die "could not download $module"
	mkdir -p "$out"
	for file in "$@"; do
		install -m 0644 "$dir/$file" "$out/.${file##*/}.$$.tmp"
		mv -f "$out/.${file##*/}.$$.tmp" "$out/${file##*/}"
	done
}

# kwok simulates nothing without stages (kwokctl passes its defaults; the
# bare binary does not): node-initialize and node-heartbeat keep the nodes
# Ready, pod-ready/complete/delete run the pods' lifecycle. They are read
# from the pinned kwok module, never copied into the repository.
KWOK_STAGES=(node/fast/node-initialize node/heartbeat/node-heartbeat pod/fast/pod-ready
	pod/fast/pod-complete pod/fast/pod-delete)

install_kwok_stages() {
	local dir stage out="$CACHE/kwok/stages.yaml"
	dir="$(module_dir "$TOOLCHAIN/controlplane" "sigs.k8s.io/kwok@$KWOK_VERSION")"
	[[ -d "$dir" ]] || die "could not download sigs.k8s.io/kwok@$KWOK_VERSION"
	mkdir -p "${out%/*}"
	for stage in "${KWOK_STAGES[@]}"; do
		printf -- '---\n'
		cat "$dir/kustomize/stage/$stage.yaml"
	done >"$out.$$.tmp"
	mv -f "$out.$$.tmp" "$out"
}

# --- image and lint tools -----------------------------------------------
build_tool() {
	local mod="$TOOLCHAIN/$1" tool="$2" pkg="$3" ldflags="$4" print
	print="$(fingerprint "$mod/go.mod" "$mod/go.sum" "$mod/main.go" "$tool" ${GO_TAGS:+"$GO_TAGS"} ${GO_CGO:+"cgo=$GO_CGO"})"
	fresh "$tool" "$print" && return 0
	go_build "$mod" "$tool" "$pkg" "-s -w $ldflags"
	stamp "$tool" "$print"
}

# --- main ---------------------------------------------------------------
start=$SECONDS
failed=()
mode="${GANTRY_TOOLCHAIN:-auto}"
ambient="$(PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$BIN" | paste -sd:)" command -v pulumi || true)"
case "$mode" in
auto) [[ -n "$ambient" ]] && mode=path || mode=build ;;
path) [[ -n "$ambient" ]] || die "GANTRY_TOOLCHAIN=path but no pulumi on PATH" ;;
build) ;;
*) die "GANTRY_TOOLCHAIN must be auto, path or build (got '$mode')" ;;
esac

if [[ "$mode" == build ]]; then
	if wants engine || wants plugins; then
		wants engine && build_pulumi && install_python_scripts
		wants plugins && build_kubernetes
	fi
else
	log "using pulumi from PATH: $ambient ($("$ambient" version))"
fi
if wants image; then
	build_tool tools ko github.com/google/ko "-X github.com/google/ko/pkg/commands.Version=$KO_VERSION"
	build_tool tools crane github.com/google/go-containerregistry/cmd/crane \
		"-X github.com/google/go-containerregistry/cmd/crane/cmd.Version=$CRANE_VERSION"
fi
if wants cluster; then
	build_controlplane
	build_node
fi
wants observability && build_observability
wants lint && build_tool actionlint actionlint github.com/rhysd/actionlint/cmd/actionlint \
	"-X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION"
# The YAML language host runs the component package's consumer example
# (examples/yaml-service); the engine finds it beside pulumi.
if wants yaml && [[ "$mode" == build ]]; then
	build_tool yaml pulumi-language-yaml github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml \
		"-X github.com/pulumi/pulumi-yaml/pkg/version.Version=${PULUMI_YAML_VERSION#v}"
fi

# The environment the drivers and tests use (also written for `source`).
{
	# shellcheck disable=SC2016 # $PATH is expanded by whoever sources the file
	printf 'export PATH="%s:$PATH"\n' "$BIN"
	printf 'export PULUMI_SKIP_UPDATE_CHECK=true\n'
	if [[ "$mode" == build ]]; then
		# Plugins come from $BIN beside the engine; never reach for the internet.
		printf 'export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true\n'
	fi
} >"$CACHE/env.sh.$$.tmp"
mv -f "$CACHE/env.sh.$$.tmp" "$CACHE/env.sh"

if [[ ${#failed[@]} -gt 0 ]]; then
	die "not built: ${failed[*]} (see above); the rest is in $BIN"
fi
log "toolchain ready in $((SECONDS - start))s ($mode mode, bin: $BIN)"
if $print_env; then cat "$CACHE/env.sh"; fi
