#!/usr/bin/env bash
# Installs the Go client's toolchain (Debian packages: Go 1.19, grpc-go, protobuf-go and the code
# generators; no module proxy is reachable), generates its stubs into pb/, fills vendor/ from the
# Debian sources (vendor_debian.py) and builds bin/ with -mod=vendor. Nothing generated is
# committed. Idempotent.
set -euo pipefail
# apt-get install, refreshing the package lists once if they are missing or stale.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "$@" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "$@" >/dev/null; }
}
here="$(cd "$(dirname "$0")" && pwd)"
protos="${CERBERUS_PROTO_DIR:-$here/../../proto/src/main/proto}"
pkgs=(golang-go golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev
      protoc-gen-go protoc-gen-go-grpc protobuf-compiler)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (apt)"
  apt_install "${missing[@]}"
fi
module="$(sed -n 's/^module //p' "$here/go.mod")"
map="Mcerberus/v1/classifier.proto=$module/pb/cerberusv1,Minference/grpc_service.proto=$module/pb/inference,Minference/model_config.proto=$module/pb/inference"
rm -rf "$here/pb"
protoc -I "$protos" --go_out="$here" --go_opt="module=$module,$map" \
  --go-grpc_out="$here" --go-grpc_opt="module=$module,$map" \
  cerberus/v1/classifier.proto inference/grpc_service.proto inference/model_config.proto
export GOCACHE="${GOCACHE:-$here/.gocache}" GOFLAGS=-mod=vendor GOPROXY=off
/usr/bin/python3 "$here/vendor_debian.py"
mkdir -p "$here/bin"
(cd "$here" && go vet ./... && go build -o bin/ ./cmd/...)
echo "go client ready: $here/bin/cerberus-classify, $here/bin/cerberus-e2e"
