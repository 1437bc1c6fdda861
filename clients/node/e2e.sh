#!/usr/bin/env bash
# End-to-end test of the Node client against a running server: e2e.sh HOST:PORT
set -euo pipefail
if [ $# -ne 1 ]; then echo "usage: $0 HOST:PORT" >&2; exit 64; fi
here="$(cd "$(dirname "$0")" && pwd)"
[ -d "$here/node_modules/@grpc/grpc-js" ] || "$here/setup.sh"
exec node "$here/e2e.js" "$1"
