#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kubectl from Go modules and caches them per version outside the repo.
# Prints the bin directory on stdout. A second run with the binaries present returns at once.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
CACHE_ROOT="${STAGEGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stagegate}"
BIN_DIR="$CACHE_ROOT/control-plane/kube-${KUBE_VERSION}-etcd-${ETCD_VERSION}/bin"

log() { echo "build-control-plane: $*" >&2; }

# A kube binary counts as built only if it reports the pinned version (older builds lacked the version stamp).
kube_built() { [[ -x "$BIN_DIR/kube-apiserver" && -x "$BIN_DIR/kubectl" ]] && [[ "$("$BIN_DIR/kube-apiserver" --version 2>/dev/null)" == "Kubernetes $KUBE_VERSION" ]]; }

if kube_built && [[ -x "$BIN_DIR/etcd" ]]; then
  echo "$BIN_DIR"
  exit 0
fi

command -v go >/dev/null || { log "a Go toolchain (>= 1.26) is required to build the local control plane"; exit 1; }
mkdir -p "$BIN_DIR"
export GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" CGO_ENABLED=0

# Kubernetes: a throwaway wrapper module that replaces every staging module with its published version.
build_kube() {
  local work="$CACHE_ROOT/control-plane/src/kube-$KUBE_VERSION" staging_version="v0${KUBE_VERSION#v1}"
  mkdir -p "$work"
  local gomod
  gomod=$(cd "$work" && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  {
    echo "module stagegate.local/kubebuild"
    echo
    echo "go 1.26.0"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\t\1 => \1 '"$staging_version"'#p' "$gomod"
    echo ")"
  } >"$work/go.mod"
  printf 'package tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver/app"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n' >"$work/tools.go"
  (cd "$work" && go mod tidy >/dev/null 2>&1 || true)
  # Stamp the version the way k/k's hack/lib/version.sh does; without it /version says v0.0.0-master.
  local minor="${KUBE_VERSION#v1.}" ldflags="" pkg
  minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  for cmd in kube-apiserver kubectl; do
    log "building $cmd $KUBE_VERSION (first build takes several minutes)"
    (cd "$work" && go build -trimpath -tags selinux,notest -ldflags "$ldflags" -o "$BIN_DIR/$cmd" "k8s.io/kubernetes/cmd/$cmd")
  done
}

# etcd: its own wrapper module, because the server module's replace directives are ignored as a dependency.
build_etcd() {
  local work="$CACHE_ROOT/control-plane/src/etcd-$ETCD_VERSION"
  mkdir -p "$work"
  printf 'module stagegate.local/etcdbuild\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$work/go.mod"
  printf 'package tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >"$work/tools.go"
  (cd "$work" && go mod tidy >/dev/null 2>&1 || true)
  log "building etcd $ETCD_VERSION"
  (cd "$work" && go build -trimpath -o "$BIN_DIR/etcd" go.etcd.io/etcd/server/v3)
}

[[ -x "$BIN_DIR/etcd" ]] || build_etcd
kube_built || build_kube
echo "$BIN_DIR"
