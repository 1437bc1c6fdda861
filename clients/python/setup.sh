#!/usr/bin/env bash
# Installs the Python client's dependencies (Debian packages, no PyPI) and generates its gRPC
# stubs into cerberus_client/gen/ (not committed). Idempotent: safe to run again.
set -euo pipefail
# apt-get install, refreshing the package lists once if they are missing or stale.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "$@" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "$@" >/dev/null; }
}
here="$(cd "$(dirname "$0")" && pwd)"
protos="$here/../../proto/src/main/proto"
py=/usr/bin/python3

if ! "$py" -c 'import grpc, grpc_tools, google.protobuf' 2>/dev/null; then
  echo "installing python3-grpcio python3-grpc-tools python3-protobuf (apt)"
  apt_install python3-grpcio python3-grpc-tools python3-protobuf
fi

gen="$here/cerberus_client/gen"
rm -rf "$gen.tmp" && mkdir -p "$gen.tmp"
"$py" -m grpc_tools.protoc -I "$protos" -I "$here/proto" \
  --python_out="$gen.tmp" --grpc_python_out="$gen.tmp" \
  cerberus/v1/classifier.proto inference/grpc_service.proto inference/model_config.proto \
  cerberus_health/health.proto
rm -rf "$gen" && mv "$gen.tmp" "$gen"
echo "python client ready: stubs in $gen"
