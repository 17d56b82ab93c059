#!/usr/bin/env bash
# Build real Kubernetes control-plane binaries, etcd and kwok from the Go module
# proxy, pinned by tools/k8s/versions.env, and cache them outside the repo.
#
#   K8S_BIN=$(tools/k8s/build.sh | tail -1)
#
# stdout carries only the bin directory (last line); progress goes to stderr.
#
# Environment:
#   BASALT_K8S_BIN=/dir   use binaries already there (e.g. official release
#                         binaries): validate and print /dir, build nothing.
#   BASALT_CACHE=/dir     cache root (default: $HOME/.cache/basalt).
#   BASALT_K8S_JOBS=N     go build -p N (default: number of CPUs).
#   BASALT_K8S_KEEP_WORK=1  keep the generated wrapper modules after the build.
#
# GOMODCACHE and GOCACHE are left at their defaults so that they persist
# between runs on the same machine.
set -euo pipefail

# Bump when the recipe (flags, binaries, layout) changes: invalidates caches.
RECIPE_REV=1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"
: "${KUBERNETES_VERSION:?missing in versions.env}" "${ETCD_VERSION:?missing in versions.env}" "${KWOK_VERSION:?missing in versions.env}"

log() { printf '[k8s-build] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

REQUIRED=(etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kwok)
K8S_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl)

missing_bins() { # dir -> names of missing/non-executable required binaries
  local b
  for b in "${REQUIRED[@]}"; do
    [[ -f "$1/$b" && -x "$1/$b" ]] || printf '%s ' "$b"
  done
}

# --- Pre-built binaries supplied by the user ---------------------------------
if [[ -n "${BASALT_K8S_BIN:-}" ]]; then
  dir="$(cd "$BASALT_K8S_BIN" 2>/dev/null && pwd)" || die "BASALT_K8S_BIN=$BASALT_K8S_BIN is not a directory"
  miss="$(missing_bins "$dir")"
  [[ -z "$miss" ]] || die "BASALT_K8S_BIN=$dir lacks executable(s): $miss"
  v="$("$dir/kube-apiserver" --version 2>/dev/null || true)"
  [[ "$v" == "Kubernetes $KUBERNETES_VERSION" ]] \
    || log "warning: $dir/kube-apiserver reports '${v:-nothing}', pinned is $KUBERNETES_VERSION"
  log "using BASALT_K8S_BIN=$dir"
  echo "$dir"
  exit 0
fi

# --- Cache lookup -------------------------------------------------------------
CACHE_ROOT="${BASALT_CACHE:-${HOME:?HOME is not set}/.cache/basalt}/k8s"
KEY="${KUBERNETES_VERSION}-etcd${ETCD_VERSION}-kwok${KWOK_VERSION}"
TOP="$CACHE_ROOT/$KEY"
BIN="$TOP/bin"
STAMP="$TOP/stamp"

stamp_content() {
  printf 'recipe=%s\nkubernetes=%s\netcd=%s\nkwok=%s\n' \
    "$RECIPE_REV" "$KUBERNETES_VERSION" "$ETCD_VERSION" "$KWOK_VERSION"
}
is_fresh() {
  [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$(stamp_content)" ]] && [[ -z "$(missing_bins "$BIN")" ]]
}

if is_fresh; then
  log "up to date: $BIN"
  echo "$BIN"
  exit 0
fi

mkdir -p "$TOP"
# One build per cache key at a time (another run may be building it now).
exec 9>"$TOP/.lock"
if command -v flock >/dev/null 2>&1; then
  if ! flock -n 9; then
    log "another build of $KEY is running; waiting for it"
    flock 9
  fi
  if is_fresh; then
    log "up to date: $BIN"
    echo "$BIN"
    exit 0
  fi
fi

command -v go >/dev/null 2>&1 || die "go is not on PATH (need Go >= 1.24; kwok $KWOK_VERSION may need newer)"

export GOWORK=off CGO_ENABLED=0
JOBS="${BASALT_K8S_JOBS:-$(nproc 2>/dev/null || echo 2)}"
T_START=$SECONDS

rm -f "$STAMP"
rm -rf "$TOP"/work.*   # leftovers of an interrupted run (we hold the lock)
WORK="$(mktemp -d "$TOP/work.XXXXXX")"
if [[ "${BASALT_K8S_KEEP_WORK:-0}" != 1 ]]; then
  trap 'rm -rf "$WORK"' EXIT
fi
STAGE="$WORK/bin"
mkdir -p "$STAGE"

log "building Kubernetes $KUBERNETES_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION"
log "  into $BIN ($(go env GOVERSION), -p $JOBS)"

# run LABEL CMD...: run a command, report wall time and peak RSS of its
# largest process (via /usr/bin/time when present).
PEAK_KB=0
TIME_BIN=/usr/bin/time
[[ -x "$TIME_BIN" ]] || TIME_BIN=""
run() {
  local label="$1"; shift
  local t0=$SECONDS
  if [[ -n "$TIME_BIN" ]]; then
    "$TIME_BIN" -f '%M' -o "$WORK/.rss" "$@" >&2
    local kb
    kb="$(tail -n1 "$WORK/.rss")"
    [[ "$kb" =~ ^[0-9]+$ ]] || kb=0
    (( kb > PEAK_KB )) && PEAK_KB=$kb
    log "  $label: $((SECONDS - t0))s, peak RSS $((kb / 1024)) MiB"
  else
    "$@" >&2
    log "  $label: $((SECONDS - t0))s"
  fi
}

# json_field FILE FIELD: value of a top-level string field of `go ... -json` output.
json_field() {
  sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",\{0,1\}\$/\1/p" "$1" | head -n1
}

# Lines of a go.mod to carry over into a wrapper: `go` and `godebug` (a
# dependency's godebug settings are ignored, only the main module's count).
go_directive() { awk '$1 == "go" { print; exit }' "$1"; }
godebug_lines() {
  awk '/^godebug[ \t]*\(/ { blk = 1 } blk { print; if ($0 ~ /^\)/) blk = 0; next } /^godebug[ \t]/ { print }' "$1"
}

# --- Kubernetes wrapper module ---------------------------------------------
log "resolving k8s.io/kubernetes@$KUBERNETES_VERSION"
(cd "$WORK" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION") > "$WORK/k8s.json" \
  || { cat "$WORK/k8s.json" >&2; die "cannot download k8s.io/kubernetes@$KUBERNETES_VERSION"; }
K8S_GOMOD="$(json_field "$WORK/k8s.json" GoMod)"
K8S_INFO="$(json_field "$WORK/k8s.json" Info)"
[[ -f "$K8S_GOMOD" ]] || die "no go.mod for k8s.io/kubernetes@$KUBERNETES_VERSION"

# Release time of the tag as buildDate: fixed, so builds are reproducible.
BUILD_DATE="$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$K8S_INFO" 2>/dev/null | head -n1)"
[[ "$BUILD_DATE" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]] || BUILD_DATE="1970-01-01T00:00:00Z"

# Staging modules: required at v0.0.0 and/or replaced with ./staging/... in
# k8s.io/kubernetes's go.mod. Published as k8s.io/<m> v0.<minor>.<patch>.
STAGING_VERSION="v0.${KUBERNETES_VERSION#v1.}"
mapfile -t STAGING < <(
  {
    awk '/^require[ \t]*\(/ { r = 1; next } r && /^\)/ { r = 0; next }
         r && $2 == "v0.0.0" { print $1 }
         /^require[ \t]+[^( \t]/ && $3 == "v0.0.0" { print $2 }' "$K8S_GOMOD"
    awk '$2 == "=>" && $3 ~ /^\.\/staging\// { print $1 }
         $1 == "replace" && $3 == "=>" && $4 ~ /^\.\/staging\// { print $2 }' "$K8S_GOMOD"
  } | sort -u
)
(( ${#STAGING[@]} > 0 )) || die "found no staging modules in $K8S_GOMOD"
log "  ${#STAGING[@]} staging modules -> $STAGING_VERSION, buildDate $BUILD_DATE"

K8S_MOD="$WORK/k8s"
mkdir -p "$K8S_MOD"
{
  echo "// Generated by tools/k8s/build.sh; not part of the repository."
  echo "module basalt.local/k8sbuild"
  echo
  go_directive "$K8S_GOMOD"
  echo
  godebug_lines "$K8S_GOMOD"
  echo
  echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
  echo
  echo "replace ("
  for m in "${STAGING[@]}"; do
    printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"
  done
  echo ")"
} > "$K8S_MOD/go.mod"
{
  echo "//go:build tools"
  echo
  echo "package tools"
  echo
  echo "import ("
  for c in "${K8S_CMDS[@]}"; do
    printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"
  done
  echo ")"
} > "$K8S_MOD/tools.go"

run "go mod tidy (kubernetes)" bash -c 'cd "$1" && go mod tidy' _ "$K8S_MOD"

K8S_MINOR="${KUBERNETES_VERSION#v1.}"; K8S_MINOR="${K8S_MINOR%%.*}"
LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X $pkg.gitVersion=$KUBERNETES_VERSION"
  LDFLAGS+=" -X $pkg.gitMajor=1 -X $pkg.gitMinor=$K8S_MINOR"
  LDFLAGS+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$BUILD_DATE"
done

TOTAL=$(( ${#K8S_CMDS[@]} + 2 ))
n=0
for c in "${K8S_CMDS[@]}"; do
  n=$((n + 1))
  log "building $c ($n/$TOTAL)…"
  run "$c" bash -c 'cd "$1" && shift && exec "$@"' _ "$K8S_MOD" \
    go build -p "$JOBS" -trimpath -tags selinux,notest -ldflags "$LDFLAGS" \
    -o "$STAGE/$c" "k8s.io/kubernetes/cmd/$c"
done

# --- etcd: its own wrapper module (its go.mod has replace lines, so `go
# install ...@version` refuses it; its package main is the module root) ------
n=$((n + 1))
log "building etcd ($n/$TOTAL)…"
(cd "$WORK" && go mod download -json "go.etcd.io/etcd/server/v3@$ETCD_VERSION") > "$WORK/etcd.json" \
  || { cat "$WORK/etcd.json" >&2; die "cannot download go.etcd.io/etcd/server/v3@$ETCD_VERSION"; }
ETCD_GOMOD="$(json_field "$WORK/etcd.json" GoMod)"
[[ -f "$ETCD_GOMOD" ]] || die "no go.mod for go.etcd.io/etcd/server/v3@$ETCD_VERSION"
ETCD_MOD="$WORK/etcd"
mkdir -p "$ETCD_MOD"
{
  echo "// Generated by tools/k8s/build.sh; not part of the repository."
  echo "module basalt.local/etcdbuild"
  echo
  go_directive "$ETCD_GOMOD"
  echo
  godebug_lines "$ETCD_GOMOD"
  echo
  echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION"
} > "$ETCD_MOD/go.mod"
printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > "$ETCD_MOD/tools.go"
run "go mod tidy (etcd)" bash -c 'cd "$1" && go mod tidy' _ "$ETCD_MOD"
run "etcd" bash -c 'cd "$1" && shift && exec "$@"' _ "$ETCD_MOD" \
  go build -p "$JOBS" -trimpath -ldflags "-s -w" -o "$STAGE/etcd" go.etcd.io/etcd/server/v3

# --- kwok: plain `go install` (its go.mod has no replace lines) -------------
n=$((n + 1))
log "building kwok ($n/$TOTAL)…"
run "kwok" bash -c 'cd "$1" && shift && exec "$@"' _ "$WORK" \
  env GOBIN="$STAGE" go install -p "$JOBS" -trimpath -ldflags "-s -w" \
  "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"

# --- Verify, then move into place atomically --------------------------------
log "verifying"
for c in kube-apiserver kube-controller-manager kube-scheduler kubelet; do
  v="$("$STAGE/$c" --version 2>&1 || true)"
  [[ "$v" == "Kubernetes $KUBERNETES_VERSION" ]] || die "$c --version printed '$v'"
done
v="$("$STAGE/kubectl" version --client 2>&1 || true)"
[[ "$v" == *"Client Version: $KUBERNETES_VERSION"* ]] || die "kubectl version --client printed '$v'"
v="$("$STAGE/etcd" --version 2>&1 || true)"
[[ "$v" == *"etcd Version: ${ETCD_VERSION#v}"* ]] || die "etcd --version printed '$v'"
v="$("$STAGE/kwok" --version 2>&1 || true)"
[[ "$v" == *"${KWOK_VERSION#v}"* ]] || die "kwok --version printed '$v'"
miss="$(missing_bins "$STAGE")"
[[ -z "$miss" ]] || die "missing after build: $miss"

rm -rf "$TOP/bin.old"
if [[ -e "$BIN" ]]; then mv "$BIN" "$TOP/bin.old"; fi
mv "$STAGE" "$BIN"
rm -rf "$TOP/bin.old"
stamp_content > "$STAMP.tmp"
mv "$STAMP.tmp" "$STAMP"

log "done in $((SECONDS - T_START))s; largest single process peak RSS $((PEAK_KB / 1024)) MiB"
echo "$BIN"
