# SocialProof developer entry points. `make up` runs the platform, `make test` runs every check CI runs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONPATH := $(CURDIR):$(CURDIR)/gen/python:$(CURDIR)/envoy
STAMP := $(VENV)/.setup-stamp
PYTEST_ARGS ?=

.PHONY: setup gen gen-check lint fmt breaking test test-fast web up down bench ci certs-rotate clean k8s

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -e ".[dev,devstack]"
	$(PY) tools/dev_path.py
	@touch $(STAMP)

# Front-end dependencies, exactly as locked (npm ci), re-installed only when a lock file changes.
widget/node_modules/.installed: widget/package-lock.json
	npm ci --prefix widget --no-audit --no-fund
	@touch $@

# `npm install`, not `npm ci`: with this npm's config the lock omits rollup's other-platform optional
# packages and `npm ci` refuses it; versions are still the locked ones (exact pins in package.json).
dashboard/node_modules/.installed: dashboard/package-lock.json
	npm install --prefix dashboard --no-audit --no-fund
	@touch $@

## setup: install everything the code, the tests and `make up` need (idempotent)
setup: $(STAMP) widget/node_modules/.installed dashboard/node_modules/.installed

## web: build the widget (size budget enforced) and the dashboard; the edge serves both
web: setup
	npm run --prefix widget build
	npm run --prefix dashboard build

## gen: regenerate gen/ from protos/ (python stubs, partner SDK, Envoy descriptor set)
gen: setup
	tools/gen.sh
	$(PY) -m meshconfig k8s --out k8s

## gen-check: fail if gen/ differs from what protos/ generate, or k8s/ from what the topology generates
gen-check: setup
	tools/gen_check.sh
	$(PY) -m meshconfig k8s --out k8s --check

## k8s: regenerate the Kubernetes manifests in k8s/ from the mesh topology (docs/deploy.md)
k8s: setup
	$(PY) -m meshconfig k8s --out k8s

## lint: buf lint (STANDARD), ruff, mypy
lint: setup
	$(PY) tools/googleapis.py .build/googleapis
	buf lint
	ruff check .
	ruff format --check .
	mypy shared services envoy/meshconfig bench
	npm run --prefix widget typecheck

fmt: setup
	ruff format .
	ruff check --fix .

## breaking: buf breaking (FILE) against the previous commit of main
breaking: setup
	tools/breaking.sh

## test: everything CI runs: gen-check, lint, breaking, the web builds, the whole test suite
test: gen-check lint breaking web
	$(PY) -m pytest $(PYTEST_ARGS)

## test-fast: only the tests (no gen/lint)
test-fast: setup
	$(PY) -m pytest $(PYTEST_ARGS)

## up: start the whole platform locally and print the URLs (Ctrl-C or `make down` stops it)
up: web
	$(PY) -m shared.devstack.up

## down: stop everything `make up` started, by PID
down:
	$(PY) -m shared.devstack.up --down

## certs-rotate: issue new mesh leaf certificates (sidecars pick them up on restart)
certs-rotate: setup
	$(PY) -m meshconfig certs --dir .devstack/certs --rotate

## bench: run every benchmark, write bench/results/*.json and docs/benchmarks.md
bench: setup
	$(PY) -m bench.run

## ci: what .ci/run does after installing system packages
ci: test

clean:
	rm -rf .build .pytest_cache .mypy_cache .ruff_cache
