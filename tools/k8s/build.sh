#!/usr/bin/env bash
# Kept so existing callers work: the build is tools/k8s/build.ts (see README.md).
#   K8S_BIN=$(tools/k8s/build.sh | tail -1)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../../node_modules/.bin/node" "$here/build.ts" "$@"
