# Stagegate: every target installs what it needs first. See README.md.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: all deps generate lint typecheck test test-unit cluster-up cluster-down demo build clean monitoring-tools bench

all: test

# Node 24 comes from the npm registry as a devDependency (node_modules/.bin/node), so npm scripts and
# this Makefile run on it whatever Node the machine has.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: node_modules/.installed

generate: deps
	tsx hack/generate-crds.ts

lint: deps
	eslint .
	prettier --check .

typecheck: deps
	tsc -p tsconfig.json --noEmit

test: deps lint typecheck monitoring-tools
	tsx hack/run-tests.ts

# Prometheus and Alertmanager from Debian for the alert tests (needs root the first time; a no-op after).
monitoring-tools: deps
	tsx hack/install-monitoring.ts

test-unit: deps
	tsx hack/run-tests.ts --unit

build: deps
	tsc -p tsconfig.build.json

cluster-up: deps
	tsx hack/cluster.ts up

cluster-down: deps
	tsx hack/cluster.ts down

demo: deps
	tsx hack/demo.ts

# The Alertmanager receiver against raw API writes measured in the same run (see docs/benchmarks.md).
bench: deps
	tsx hack/bench/alert-receiver.ts

clean:
	rm -rf dist node_modules
