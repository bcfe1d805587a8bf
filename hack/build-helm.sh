#!/usr/bin/env bash
# Builds helm from its Go module (helm.sh/helm/v4) at a pinned version and caches it outside the repo, like
# hack/build-control-plane.sh does for the control plane. Prints the bin directory on stdout. A second run with
# the binary present returns at once. Nothing downloads a prebuilt binary.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v4.3.2}"
CACHE_ROOT="${STAGEGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stagegate}"
BIN_DIR="$CACHE_ROOT/helm/helm-${HELM_VERSION}/bin"

log() { echo "build-helm: $*" >&2; }

# Built only if it reports the pinned version (the version is stamped at link time, as helm's Makefile does).
helm_built() { [[ -x "$BIN_DIR/helm" ]] && [[ "$("$BIN_DIR/helm" version --template '{{.Version}}' 2>/dev/null)" == "$HELM_VERSION" ]]; }

if helm_built; then
  echo "$BIN_DIR"
  exit 0
fi

command -v go >/dev/null || { log "a Go toolchain (>= 1.26) is required to build helm"; exit 1; }
mkdir -p "$BIN_DIR"
export GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" CGO_ENABLED=0

# helm's go.mod has no replace directives, so a throwaway wrapper module that requires it builds cmd/helm with
# exactly the dependency versions helm was released with.
work="$CACHE_ROOT/helm/src/helm-$HELM_VERSION"
mkdir -p "$work"
printf 'module stagegate.local/helmbuild\n\ngo 1.26.0\n\nrequire helm.sh/helm/v4 %s\n' "$HELM_VERSION" >"$work/go.mod"
printf 'package tools\n\nimport _ "helm.sh/helm/v4/cmd/helm"\n' >"$work/tools.go"
(cd "$work" && go mod tidy >/dev/null 2>&1 || true)
log "building helm $HELM_VERSION (a first build takes a few minutes)"
(cd "$work" && go build -trimpath -ldflags "-w -s -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION -X helm.sh/helm/v4/internal/version.gitTreeState=clean" -o "$BIN_DIR/helm" helm.sh/helm/v4/cmd/helm)
helm_built || { log "the built helm does not report $HELM_VERSION"; exit 1; }
echo "$BIN_DIR"
