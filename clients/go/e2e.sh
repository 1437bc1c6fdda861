#!/usr/bin/env bash
# End-to-end test of the Go client against a running server: e2e.sh HOST:PORT
# Runs the shared scenario (cmd/cerberus-e2e), built by setup.sh as a Go module with -mod=vendor.
set -euo pipefail
if [ $# -ne 1 ]; then echo "usage: $0 HOST:PORT" >&2; exit 64; fi
here="$(cd "$(dirname "$0")" && pwd)"
[ -x "$here/bin/cerberus-e2e" ] || "$here/setup.sh"
exec "$here/bin/cerberus-e2e" "$1"
