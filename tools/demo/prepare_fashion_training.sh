#!/usr/bin/env bash
# Everything `bin/cerberus train examples/fashion-unknown.yaml` needs on a fresh clone, in one
# command (the Quick tour's training line):
#
#   tools/demo/prepare_fashion_training.sh
#   bin/cerberus train examples/fashion-unknown.yaml      # -> build/bundles/fashion/1
#   bin/cerberus serve --models build/bundles             # serve what you trained
#
# Steps, each skipped when already done:
#   1. Debian packages (apt, when missing): dataset-fashion-mnist (the images), python3-pil and
#      python3-numpy (the export), opencv-doc (digits), python3-skimage (photos),
#      fonts-dejavu-core (letters, the training outliers), python3-torch (the backbone split).
#   2. examples/data/fashion-unknown/: the known classes, the unseen classes and the outlier and
#      OOD sets as image folders (tools/data/export_fashion_unknown.py, ~15 MB, seconds).
#   3. build/backbones/fashion-mobilenetv2/{trunk,top}.pt: the demo's MobileNetV2 split into a
#      frozen trunk and a top the trainer fine-tunes (tools/backbone/split_mobilenet.py).
# The committed demo bundle models/fashion/1 is never touched: the config writes build/bundles/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=$ROOT/examples/data/fashion-unknown
SPLIT=$ROOT/build/backbones/fashion-mobilenetv2
PY=/usr/bin/python3   # Debian's interpreter: the packages below are installed for it
say() { echo "[prepare-fashion] $*" >&2; }

missing=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
[ -f /usr/share/doc/opencv-doc/examples/data/digits.png ] || missing+=(opencv-doc)
compgen -G "/usr/share/fonts/truetype/dejavu/*.ttf" >/dev/null || missing+=(fonts-dejavu-core)
"$PY" -c 'import PIL' 2>/dev/null || missing+=(python3-pil)
"$PY" -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
"$PY" -c 'import skimage' 2>/dev/null || missing+=(python3-skimage)
"$PY" -c 'import torch' 2>/dev/null || missing+=(python3-torch)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing with apt: ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q "${missing[@]}" >&2 \
    || { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q "${missing[@]}" >&2; } \
    || { say "could not install ${missing[*]} (apt-get install -y ${missing[*]})"; exit 2; }
fi

if [ -f "$DATA/.complete" ]; then
  say "data: $DATA (already exported)"
else
  say "exporting the data set to $DATA"
  rm -rf "$DATA"
  (cd "$ROOT" && "$PY" tools/data/export_fashion_unknown.py --out "$DATA" >&2)
  touch "$DATA/.complete"
fi

if [ -f "$SPLIT/trunk.pt" ] && [ -f "$SPLIT/top.pt" ]; then
  say "backbone split: $SPLIT (already made)"
else
  say "splitting models/fashion/1/backbone.pt into $SPLIT/{trunk,top}.pt"
  "$PY" "$ROOT/tools/backbone/split_mobilenet.py" "$ROOT/models/fashion/1/backbone.pt" "$SPLIT" >&2
fi

say "ready. Train (a few minutes; writes build/bundles/fashion/1):"
say "  bin/cerberus train examples/fashion-unknown.yaml"
