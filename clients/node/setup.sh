#!/usr/bin/env bash
# Installs the Node client's dependencies from package-lock.json (npm registry). Protos are
# loaded at run time, so there are no stubs to generate. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if ! command -v node >/dev/null; then
  echo "installing nodejs and npm (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >/dev/null
fi
if [ ! -d node_modules/@grpc/grpc-js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "node client ready"
