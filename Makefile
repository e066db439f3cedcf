# gantry: `make up` runs the local stack for real, `make test` checks everything.
# Every tool this file uses is installed by it: nothing is assumed beyond
# Python 3.11, Go and apt (as root) on a Debian machine.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACK ?= local
OUT ?= out
GANTRY_CACHE ?= $(HOME)/.cache/gantry
export GANTRY_CACHE
# Unpacked charts for machines without internet (docs/toolchain.md); empty: upstream repositories.
GANTRY_CHART_MIRROR ?= $(if $(wildcard ../shared/charts),$(abspath ../shared/charts),)
export GANTRY_CHART_MIRROR
# apt needs root: on a laptop or a hosted runner that is sudo, here and in CI it is root.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
REQS := requirements.txt requirements-dev.txt policies/requirements.txt
VENV_STAMP := $(VENV)/.installed-$(shell cat $(REQS) 2>/dev/null | sha256sum | cut -c1-12)

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'

# --- set-up -------------------------------------------------------------------------

$(VENV_STAMP): $(REQS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

.PHONY: venv
venv: $(VENV_STAMP) ## Create .venv from the pinned requirements

# openssl and curl: the local control plane's certificates and readiness checks. The real
# node: Debian's CNI plugins, iptables, conntrack, and libseccomp's headers for runc's build.
# Each entry is a command or a file that the package installs, then the package.
APT_TOOLS := promtool:prometheus amtool:prometheus-alertmanager shellcheck:shellcheck \
  docker-registry:docker-registry openssl:openssl curl:curl \
  iptables:iptables conntrack:conntrack nft:nftables ipset:ipset /usr/lib/cni/bridge:containernetworking-plugins \
  /usr/include/seccomp.h:libseccomp-dev

.PHONY: apt-tools
apt-tools: ## promtool, amtool, shellcheck, docker-registry and the real node's packages from Debian, when missing
	@missing=""; for pair in $(APT_TOOLS); do \
	  what="$${pair%%:*}"; command -v "$$what" >/dev/null || [ -e "$$what" ] || missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

.PHONY: tools
tools: venv apt-tools conformance-fixtures ## Everything the tests need
	bash scripts/install-actionlint.sh

.PHONY: conformance-fixtures
conformance-fixtures: ## Kubernetes' Pod Security fixtures (pinned in toolchain/conformance/go.mod) into the Go module cache
	@command -v go >/dev/null || { echo "conformance-fixtures: install Go first (https://go.dev/doc/install)" >&2; exit 1; }
	cd toolchain/conformance && go mod download k8s.io/pod-security-admission

# --- checks ---------------------------------------------------------------------------

.PHONY: lint
lint: venv ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

.PHONY: typecheck
typecheck: venv ## mypy --strict on components/, gantry/ and policies/
	$(VENV)/bin/mypy

# pytest-xdist: one worker per core (PYTEST_WORKERS=0 runs in one process).
PYTEST_WORKERS ?= auto

.PHONY: test-py
test-py: tools ## Python tests (unit, mocks, policies, rules, workflows), one worker per core
	$(VENV)/bin/pytest -q -n $(PYTEST_WORKERS) -m "not integration"

STATICCHECK_VERSION := v0.8.2
APP_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
APP_REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
APP_LDFLAGS = -s -w -buildid= \
  -X github.com/gantry-dev/gantry/app/internal/version.Version=$(APP_VERSION) \
  -X github.com/gantry-dev/gantry/app/internal/version.Revision=$(APP_REVISION)

.PHONY: test-go
test-go: ## Go vet, staticcheck and race tests of the service
	cd app && go vet ./...
	cd app && go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	cd app && go test -race -count=1 ./...

.PHONY: bench-go
bench-go: ## In-process benchmarks of the middleware chain (for profiling; the figures come from bench-loopback)
	cd app && go test -run '^$$' -bench . -benchmem -count 5 ./internal/...

BENCH_ROUNDS ?= 6
BENCH_DURATION ?= 3s

.PHONY: bench-loopback
bench-loopback: ## The figures: bare vs the service binary in 4 tracing setups over 127.0.0.1, pinned cores, results in app/bench/loopback/
	cd app && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "$(APP_LDFLAGS)" -o bin/hello ./cmd/hello
	cd app && go build -o bin/loadbench ./cmd/loadbench
	cd app && bin/loadbench -hello bin/hello -rounds $(BENCH_ROUNDS) -duration $(BENCH_DURATION) -out bench/loopback

.PHONY: build-app
build-app: ## Cross-compile the service for linux/amd64 and linux/arm64 into app/bin/
	cd app && for arch in amd64 arm64; do \
	  GOOS=linux GOARCH=$$arch CGO_ENABLED=0 go build -trimpath -buildvcs=false \
	    -ldflags "$(APP_LDFLAGS)" -o bin/hello-linux-$$arch ./cmd/hello || exit 1; done

.PHONY: policy-config
policy-config: venv ## Generate every stack's pack config from its Pulumi.<stack>.yaml (never edit them)
	cd policies && ../$(PY) -m gantry_policies.config --write

.PHONY: policy-docs
policy-docs: policy-config ## The pack configs and the rule table in docs/policies.md
	cd policies && ../$(PY) -m gantry_policies.doc

.PHONY: policy-config-check
policy-config-check: venv ## Fail, naming the command, when a generated pack config is stale
	cd policies && ../$(PY) -m gantry_policies.config --check

.PHONY: policy-bench
policy-bench: venv ## Policy time on a prod-shaped stack and a 3,000-object stress stack
	cd policies && ../$(PY) -m gantry_policies.bench

.PHONY: graphs
graphs: venv ## Rewrite tests/graphs/<stack>.txt, each stack's resource graph under mocks (after an intended change)
	$(PY) tests/graph_dump.py --write

.PHONY: test-rules
test-rules: tools ## promtool check + unit tests of every generated alert
	$(VENV)/bin/pytest -q tests/alerts

.PHONY: test-workflows
test-workflows: tools ## actionlint + the delivery workflow tests
	$(VENV)/bin/pytest -q tests/test_workflows.py tests/test_workflows_scripts.py

.PHONY: test-image
test-image: venv apt-tools ## The image as shipped (ko.py flags), for real: registry on 127.0.0.1, index checks, at most 8 MiB per platform (sizes printed)
	$(VENV)/bin/pytest -q -rP -m integration tests/integration/test_local_image.py

.PHONY: test-integration
# Two pytest runs side by side: the modules that start the real node (one per machine,
# so one after another) and the rest. Each run's output is printed whole when both end.
test-integration: venv apt-tools ## Everything real: image path, engine + pack, the local stack on the real node, guardrails, interruptions
	@logs="$$(mktemp -d)"; set +e; \
	$(VENV)/bin/pytest -q -m "integration and real_node" tests/integration >"$$logs/node" 2>&1 & node=$$!; \
	$(VENV)/bin/pytest -q -m "integration and not real_node" tests/integration >"$$logs/rest" 2>&1; rest=$$?; \
	wait $$node; node=$$?; \
	echo "== integration tests without the real node (exit $$rest)"; cat "$$logs/rest"; \
	echo "== integration tests on the real node (exit $$node)"; cat "$$logs/node"; \
	rm -rf "$$logs"; [ "$$rest" -eq 0 ] && [ "$$node" -eq 0 ]

# Go (vet, staticcheck, -race) and mypy beside the Python tests: each step's output stays together.
TEST_JOBS ?= 2

.PHONY: test
test: ## Everything CI runs: lint, types, Python, Go and integration tests (TEST_JOBS at once)
	$(MAKE) --no-print-directory --output-sync=target -j$(TEST_JOBS) lint typecheck test-py test-go test-integration

# --- check a stack; the generated files ------------------------------------------------

.PHONY: check
check: venv ## STACK's config, its pack config and the generated files, in seconds: no cloud, no engine
	$(PY) scripts/check_stack.py --stack $(STACK)

# One target per generator of a committed doc or data file; `make docs` runs them all.
# scripts/generated.py lists the same generators with their staleness checks
# (tests/test_generated.py keeps the two lists equal). Add a new generator to both.
DOC_GENERATORS := docs-config-reference policy-config policy-docs docs-cloud-regions docs-package-schema

.PHONY: docs docs-config-reference docs-cloud-regions docs-package-schema
docs: $(DOC_GENERATORS) ## Regenerate every generated doc and file (config reference, pack configs, rule table, cloud regions, package schema)
docs-config-reference: venv
	$(PY) -m gantry.config.reference
docs-cloud-regions: venv
	$(PY) scripts/cloud_regions.py
docs-package-schema: venv
	$(PY) -m gantry.package.schema_file

# --- the stack --------------------------------------------------------------------------
# Every stack command goes through the Automation API driver (gantry/driver):
# the program runs in the driver's process, so no Pulumi language host is needed.
DRIVER = $(PY) -m gantry.driver

.PHONY: bootstrap
bootstrap: ## Build the Pulumi CLI, plugins, ko/crane and the control plane from Go modules (docs/toolchain.md)
	bash scripts/bootstrap.sh

.PHONY: registry registry-stop
registry: ## Start the local registry on 127.0.0.1 (GANTRY_REGISTRY_PORT, default 5001)
	bash scripts/local-registry.sh start
registry-stop: ## Stop the registry that `make registry` started
	bash scripts/local-registry.sh stop

.PHONY: cluster cluster-down cluster-reset
cluster: venv apt-tools ## Start the local cluster: control plane, 2 kwok nodes and a real node (GANTRY_CLUSTER_NODE=none: kwok only)
	bash scripts/bootstrap.sh image cluster
	bash scripts/local-cluster.sh start
cluster-down: ## Stop everything `make cluster` started and put the host back as it was
	bash scripts/local-cluster.sh stop
cluster-reset: ## cluster-down, then delete the cluster's state (etcd data, certificates, containerd's images)
	bash scripts/local-cluster.sh reset

.PHONY: up
up: venv apt-tools ## `up` of STACK (default local): toolchain, registry, control plane, image, deploy, pack enforced
	GANTRY_STACK=$(STACK) bash scripts/local-up.sh

.PHONY: down
down: ## Destroy STACK, then stop the control plane and registry that `make up` started
	GANTRY_STACK=$(STACK) bash scripts/local-down.sh

.PHONY: preview
preview: venv ## Preview STACK with its policy pack and pack config (needs the toolchain: make bootstrap)
	$(DRIVER) preview --stack $(STACK)

.PHONY: refresh
refresh: venv ## Refresh STACK's state from the cluster and clouds
	$(DRIVER) refresh --stack $(STACK)

.PHONY: outputs
outputs: venv ## STACK's outputs, secrets masked
	$(DRIVER) outputs --stack $(STACK)

.PHONY: unlock
unlock: venv ## Break STACK's locks left by a run on another host or a dead process (never a live one here)
	$(DRIVER) unlock --stack $(STACK)

.PHONY: rules
rules: venv ## Write STACK's alert rules as plain Prometheus rule files to $(OUT)/rules/$(STACK)
	$(PY) scripts/render_rules.py --stack $(STACK) --out $(OUT)/rules/$(STACK)

.PHONY: render
render: venv ## Write the service's manifests of STACK to $(OUT)/render/$(STACK)/<target>/ (IMAGE=ref@sha256:... optional)
	$(PY) scripts/render_manifests.py --stack $(STACK) --out $(OUT)/render $(if $(IMAGE),--image $(IMAGE))

.PHONY: validate-manifests
validate-manifests: render ## Validate them against the Kubernetes schemas and the ServiceMonitor CRD
	$(PY) scripts/validate_manifests.py $(OUT)/render/$(STACK)

.PHONY: checkov
checkov: render ## Scan them with checkov (own venv in GANTRY_CACHE; skips in .checkov.yaml)
	bash scripts/checkov.sh $(OUT)/render/$(STACK)
