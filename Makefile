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

APT_TOOLS := promtool:prometheus amtool:prometheus-alertmanager shellcheck:shellcheck

.PHONY: apt-tools
apt-tools: ## promtool (Debian's prometheus) and shellcheck, when missing
	@missing=""; for pair in $(APT_TOOLS); do \
	  command -v "$${pair%%:*}" >/dev/null || missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

.PHONY: tools
tools: venv apt-tools ## Everything the tests need
	bash scripts/install-actionlint.sh

# --- checks ---------------------------------------------------------------------------

.PHONY: lint
lint: venv ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

.PHONY: typecheck
typecheck: venv ## mypy --strict on components/ and policies/
	$(VENV)/bin/mypy

.PHONY: test-py
test-py: tools ## Python tests (unit, mocks, policies, rules, workflows)
	$(VENV)/bin/pytest -q -m "not integration"

.PHONY: test-go
test-go: ## Go vet, staticcheck and race tests of the service
	cd app && go vet ./... && go test -race -count=1 ./...

.PHONY: test-rules
test-rules: tools ## promtool check + unit tests of every generated alert
	$(VENV)/bin/pytest -q tests/alerts

.PHONY: test-workflows
test-workflows: tools ## actionlint + the delivery workflow tests
	$(VENV)/bin/pytest -q tests/test_workflows.py tests/test_workflows_scripts.py

.PHONY: test
test: lint typecheck test-py test-go ## Everything CI runs

# --- the stack --------------------------------------------------------------------------

.PHONY: rules
rules: venv ## Write STACK's alert rules as plain Prometheus rule files to $(OUT)/rules/$(STACK)
	$(PY) scripts/render_rules.py --stack $(STACK) --out $(OUT)/rules/$(STACK)

.PHONY: preview
preview: venv ## pulumi preview of STACK with the policy pack and its config
	pulumi preview --stack $(STACK) --diff --policy-pack policies \
	  --policy-pack-config policies/config/$(STACK).json
