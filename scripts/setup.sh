#!/usr/bin/env bash
# Everything a fresh Debian 12 machine (root, git, node 20, npm) needs: Debian packages, npm packages
# (including the pinned Node 24 runtime), and the bundles. With --all, also what the whole test suite
# needs: the image build and qemu host packages, and Kubernetes binaries built from Go modules
# (cached outside the repository). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
all=false
[ "${1:-}" = "--all" ] && all=true

if ! command -v containerd >/dev/null 2>&1; then
  echo "setup: installing Debian packages: containerd"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends containerd >/dev/null
fi
if $all; then
  sh tools/image/install-host-packages.sh
  # tools/k8s/build.ts: runc needs cgo with libseccomp, the pause image is compiled with gcc -static.
  build_pkgs=""
  for p in gcc libc6-dev libseccomp-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || build_pkgs="$build_pkgs $p"
  done
  if [ -n "$build_pkgs" ]; then
    echo "setup: installing Debian packages:$build_pkgs"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
    # shellcheck disable=SC2086
    apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $build_pkgs >/dev/null
  fi
fi

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup: node $(node_modules/.bin/node --version) (pinned), building bundles"
node_modules/.bin/node scripts/build.ts

if $all; then
  echo "setup: Kubernetes binaries and node components (cached; the first build takes about 5 minutes)"
  node_modules/.bin/node tools/k8s/build.ts all | tail -1
fi
