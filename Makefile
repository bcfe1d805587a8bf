# Stagegate: every target installs what it needs first. See README.md.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: all deps generate lint typecheck test test-unit cluster-up cluster-down demo build clean monitoring-tools bench helm \
	image image-tools postgres-tools report-tools smtp-tools bench-audit-db bench-audit-feed bench-memory bench-scale \
	bench-approval bench-insights bench-dashboard bench-notifications bench-calendar

all: test

# Node 24 comes from the npm registry as a devDependency (node_modules/.bin/node), so npm scripts and
# this Makefile run on it whatever Node the machine has.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: node_modules/.installed

# The CRDs from the zod schemas, then what the Helm chart and config/default share (copies, kustomizations, the
# objects config/ renders from the chart, the values table of docs/install.md).
generate: deps helm
	tsx hack/generate-crds.ts
	tsx hack/generate-chart.ts

# helm, built from its Go module (helm.sh/helm/v4) into ~/.cache/stagegate on first use; a no-op after.
helm:
	bash hack/build-helm.sh >/dev/null

lint: deps
	eslint .
	prettier --check .

typecheck: deps
	tsc -p tsconfig.json --noEmit

test: deps lint typecheck monitoring-tools postgres-tools report-tools smtp-tools helm image-tools
	tsx hack/run-tests.ts

# Prometheus and Alertmanager from Debian for the alert tests (needs root the first time; a no-op after).
monitoring-tools: deps
	tsx hack/install-monitoring.ts

# PostgreSQL 15 from Debian for the audit-store tests, which start their own servers on loopback (needs root the
# first time; a no-op after).
postgres-tools: deps
	tsx hack/install-postgres.ts

# Exim from Debian (exim4-daemon-light) for the notification tests, which start a private server on a loopback port
# and read the mail back from its maildir (needs root the first time; a no-op after; no system MTA is started).
smtp-tools: deps
	tsx hack/install-smtp.ts

# Chromium, pdftotext (poppler-utils) and a font from Debian for the report tests, which print PDFs and read their
# text back (needs root the first time; a no-op after).
report-tools: deps
	tsx hack/install-report-tools.ts

# buildah, umoci and runc from Debian for the image and its test (needs root the first time; a no-op after).
image-tools: deps
	tsx hack/install-image-tools.ts

test-unit: deps
	tsx hack/run-tests.ts --unit

build: deps
	tsc -p tsconfig.build.json

# The operator image as an OCI archive, dist/image/stagegate.oci.tar, built without a container engine or registry
# (needs root; see docs/install.md, "The image"). The Dockerfile builds the same image where an engine runs.
image: deps image-tools
	tsx hack/build-image.ts

cluster-up: deps
	tsx hack/cluster.ts up

cluster-down: deps
	tsx hack/cluster.ts down

demo: deps
	tsx hack/demo.ts

# The Alertmanager receiver against raw API writes measured in the same run (see docs/benchmarks.md).
bench: deps
	tsx hack/bench/alert-receiver.ts

# Stagegate at scale: the compiled operator as its own process, an Argo CD stand-in, steady promotions, a burst,
# memory and a restart, counted from kube-apiserver's audit log against raw API writes in the same run
# (docs/benchmarks.md, "Scale"). Flags: make bench-scale ARGS="--releases=10000".
bench-scale: deps
	tsx hack/bench/scale.ts $(ARGS)

# The path from an approver's decision to the sync request against raw write -> watch in the same run, with the
# operator's writes on it from kube-apiserver's audit log (docs/benchmarks.md, "Approval to sync"). Flags:
# make bench-approval ARGS="--releases=40 --in-flight=10".
bench-approval: deps
	tsx hack/bench/approval.ts $(ARGS)

# The insights over a year of records (retro, insights failures|dora|cycle-time|bottlenecks) against audit export of
# the same trail in the same run (docs/benchmarks.md, "Insights over a year"). Flags: ARGS="--per-day=30 --runs=3".
bench-insights: deps
	tsx hack/bench/insights.ts $(ARGS)

# The dashboard's first load and row update latency with many releases, against a raw list and a raw watch with the
# same token in the same run (docs/benchmarks.md, "Dashboard"). Flags: make bench-dashboard ARGS="--releases=10000".
bench-dashboard: deps
	tsx hack/bench/dashboard.ts $(ARGS)

# Calendar conflict detection with 10,000 planned changes against sorting them and the all-pairs check in the same
# run (docs/benchmarks.md, "Calendar conflicts"). Pure CPU, no cluster. Flags: make bench-calendar ARGS="--changes=20000".
bench-calendar: deps
	tsx hack/bench/calendar-conflicts.ts $(ARGS)

# Notification delivery from an audit event to a real SMTP server's receipt against a raw SMTP send in the same run
# (docs/benchmarks.md, "Notifications"). Flags: make bench-notifications ARGS="--count=30 --poll=2s".
bench-notifications: deps smtp-tools
	tsx hack/bench/notifications.ts $(ARGS)

# The PostgreSQL audit store's appends from two replicas against raw INSERTs in the same run (docs/benchmarks.md).
bench-audit-db: deps postgres-tools
	tsx hack/bench/postgres-audit.ts

# The GRC feed's pagination and `stagegate audit export` over 1,000,000 entries against raw SELECT loops in the same
# run: time, and the export's peak memory (docs/benchmarks.md).
bench-audit-feed: deps postgres-tools
	tsx hack/bench/audit-feed.ts

# The operator process's memory: idle RSS of the compiled operator (and through tsx) against a bare node process, and
# the heap of its caches per 1,000 releases with and without the cache trimming, in the same run (docs/benchmarks.md).
bench-memory: build
	tsx hack/bench/memory.ts

clean:
	rm -rf dist node_modules
