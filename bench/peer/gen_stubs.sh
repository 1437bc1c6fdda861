#!/bin/sh
# Generates the Python stubs of cerberus.v1 for the peer server into DIR (default
# bench/target/peer-stubs). Needs Debian's python3-grpc-tools (apt-get install python3-grpc-tools).
set -e
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${1:-$ROOT/bench/target/peer-stubs}"
mkdir -p "$OUT"
/usr/bin/python3 -m grpc_tools.protoc -I "$ROOT/proto/src/main/proto" \
  --python_out="$OUT" --grpc_python_out="$OUT" "$ROOT/proto/src/main/proto/cerberus/v1/classifier.proto"
touch "$OUT/cerberus/__init__.py" "$OUT/cerberus/v1/__init__.py"
echo "$OUT"
