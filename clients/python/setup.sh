#!/usr/bin/env bash
# Installs the Python client's dependencies (Debian packages, no PyPI) and generates its gRPC
# stubs into cerberus_client/_gen/ (not committed) for use from this folder. To install it as a
# package instead: pip install --no-build-isolation clients/python (README.md). Idempotent.
set -euo pipefail
# apt-get install, refreshing the package lists once if they are missing or stale.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "$@" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "$@" >/dev/null; }
}
here="$(cd "$(dirname "$0")" && pwd)"
py=/usr/bin/python3
if ! "$py" -c 'import grpc, grpc_tools, google.protobuf, setuptools, venv' 2>/dev/null; then
  echo "installing python3-grpcio python3-grpc-tools python3-protobuf python3-setuptools python3-venv (apt)"
  apt_install python3-grpcio python3-grpc-tools python3-protobuf python3-setuptools python3-venv
fi
"$py" "$here/gen_stubs.py"
echo "python client ready"
