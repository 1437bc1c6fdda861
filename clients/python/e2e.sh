#!/usr/bin/env bash
# End-to-end test of the Python client against a running server: e2e.sh HOST:PORT
# Installs the package with pip into a fresh venv (offline, on Debian's grpcio/protobuf), runs
# the shared scenario (e2e.py) with it, and checks that `python3 -m cerberus_client` on an
# interpreter without grpc prints one line of advice, not a traceback.
set -euo pipefail
if [ $# -ne 1 ]; then echo "usage: $0 HOST:PORT" >&2; exit 64; fi
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
"$work/venv/bin/pip" install -q --no-index --no-build-isolation "$here"
rm -rf "$here/build" "$here"/*.egg-info

echo "-- no grpc: a one-line hint"
/usr/bin/python3 -m venv --without-pip "$work/bare"
set +e
(cd "$here" && "$work/bare/bin/python" -m cerberus_client --help) >/dev/null 2>"$work/hint.txt"
rc=$?
set -e
if [ "$rc" -eq 0 ] || grep -q Traceback "$work/hint.txt" || ! grep -q "^error: cerberus_client needs grpcio" "$work/hint.txt"; then
  echo "FAIL no-grpc hint (exit $rc): $(cat "$work/hint.txt")"; exit 1
fi
echo "ok   no-grpc hint: $(head -c 100 "$work/hint.txt")..."

cd "$work"   # import the installed package, not the source folder
CERBERUS_E2E_PY_CLI="$work/venv/bin/cerberus-client" exec "$work/venv/bin/python" -P "$here/e2e.py" "$1"
