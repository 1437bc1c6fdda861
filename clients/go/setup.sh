#!/usr/bin/env bash
# Installs the Go client's toolchain (Debian packages: Go 1.19, grpc-go, protobuf-go and the
# code generators; no module proxy) and generates its stubs into gopath/src (not committed).
# Builds in GOPATH mode. Idempotent.
set -euo pipefail
# apt-get install, refreshing the package lists once if they are missing or stale.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "$@" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "$@" >/dev/null; }
}
here="$(cd "$(dirname "$0")" && pwd)"
protos="$here/../../proto/src/main/proto"
pkgs=(golang-go golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev
      protoc-gen-go protoc-gen-go-grpc protobuf-compiler)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (apt)"
  apt_install "${missing[@]}"
fi
src="$here/gopath/src"
rm -rf "$src/cerberus/v1" "$src/cerberus/oip"
protoc -I "$protos" --go_out="$src" --go-grpc_out="$src" \
  cerberus/v1/classifier.proto inference/grpc_service.proto inference/model_config.proto
export GO111MODULE=off GOPATH="$here/gopath:/usr/share/gocode" GOCACHE="${GOCACHE:-$here/gopath/pkg/cache}"
mkdir -p "$here/bin"
go build -o "$here/bin/cerberus-classify" cerberus/cmd/cerberus-classify
go build -o "$here/bin/cerberus-e2e" cerberus/cmd/cerberus-e2e
echo "go client ready: $here/bin/cerberus-classify, $here/bin/cerberus-e2e"
