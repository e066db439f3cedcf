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

.PHONY: promtool
promtool: ## Install promtool (Debian's prometheus package) when missing
	@command -v promtool >/dev/null || { \
	  echo "installing Debian's prometheus package for promtool"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }

.PHONY: tools
tools: venv promtool ## Everything the tests need
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

.PHONY: test
test: lint typecheck test-py test-go ## Everything CI runs

# --- the stack --------------------------------------------------------------------------

.PHONY: rules
rules: venv ## Write the stack's alert rules as plain Prometheus rule files to $(OUT)/rules/$(STACK)
	$(PY) scripts/render_rules.py --stack $(STACK) --out $(OUT)/rules/$(STACK)
