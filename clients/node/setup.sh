#!/usr/bin/env bash
# Installs the Node client's dependencies from package-lock.json (npm registry) and copies the
# server's protos into proto/ (loaded at run time: no stubs to generate). Idempotent.
set -euo pipefail
# apt-get install, refreshing the package lists once if they are missing or stale.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "$@" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "$@" >/dev/null; }
}
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if ! command -v node >/dev/null; then
  echo "installing nodejs and npm (apt)"
  apt_install nodejs npm
fi
if [ ! -d node_modules/@grpc/grpc-js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node scripts/copy-protos.js
echo "node client ready"
