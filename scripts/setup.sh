#!/usr/bin/env bash
# Everything a fresh Debian 12 machine (root, git, node 20, npm) needs before the fleet demo or the
# tests: Debian packages, npm packages (including the pinned Node 24 runtime), and the bundles.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v containerd >/dev/null 2>&1 || need_apt+=(containerd)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup: node $(node_modules/.bin/node --version) (pinned), building bundles"
node_modules/.bin/node scripts/build.ts
