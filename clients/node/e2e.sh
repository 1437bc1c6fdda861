#!/usr/bin/env bash
# End-to-end test of the Node client against a running server: e2e.sh HOST:PORT
# Packs the client with `npm pack`, installs the tarball into an empty folder with npm (from npm's
# cache when it holds the dependencies: --offline, else --prefer-offline, which fetches only the
# registry metadata that `npm ci` does not cache), and runs the shared scenario (e2e.js) with it.
set -euo pipefail
if [ $# -ne 1 ]; then echo "usage: $0 HOST:PORT" >&2; exit 64; fi
here="$(cd "$(dirname "$0")" && pwd)"
[ -d "$here/node_modules/@grpc/grpc-js" ] || "$here/setup.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$(cd "$here" && npm pack --silent --pack-destination "$work" 2>/dev/null | tail -n 1)"
echo "-- npm pack: $tarball ($(tar tzf "$work/$tarball" | wc -l) files)"
mkdir "$work/app"
install() { (cd "$work/app" && npm install "$1" --no-audit --no-fund --loglevel=error "$work/$tarball" >/dev/null 2>&1); }
(cd "$work/app" && npm init -y >/dev/null)
install --offline || { echo "-- npm cache lacks the registry metadata: --prefer-offline"; install --prefer-offline; }
[ -x "$work/app/node_modules/.bin/cerberus-classify" ] || { echo "FAIL: the tarball installed no cerberus-classify bin"; exit 1; }
cd "$work/app"
CERBERUS_E2E_NODE_CLI="$work/app/node_modules/.bin/cerberus-classify" exec node "$here/e2e.js" "$1"
