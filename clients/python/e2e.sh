#!/usr/bin/env bash
# End-to-end test of the Python client against a running server: e2e.sh HOST:PORT
set -euo pipefail
if [ $# -ne 1 ]; then echo "usage: $0 HOST:PORT" >&2; exit 64; fi
here="$(cd "$(dirname "$0")" && pwd)"
[ -d "$here/cerberus_client/gen" ] || "$here/setup.sh"
exec /usr/bin/python3 "$here/e2e.py" "$1"
