#!/usr/bin/env bash
# Orientation result of trainer/README.md ("Orientation"): the footwear facing task three ways
# (flip-aware head, plain head on flip-TTA features, plain head on plain features) over seeds,
# and a Fashion-MNIST category head with and without flip TTA. Each arm is
# examples/orientation.yaml with only the flip key (and seed) changed; features are cached in
# build/feature-cache, so only the first run of each arm runs the backbone.
# Needs the data: tools/data/export_orientation.py (defaults) and
#   tools/data/export_fashion_unknown.py --out examples/data/fashion-cat --train-per-class 60 \
#     --val-per-class 20 --test-per-class 60 --near-ood-per-class 0 --digits 0 --letters 0 \
#     --photo-crops 0
# Usage: tools/experiments/orientation.sh [SEEDS...]   (default 42 43 44); JAR=... overrides
# the trainer jar (default trainer/target/cerberus-trainer.jar, built by bin/cerberus).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
seeds=("${@:-42 43 44}")
read -r -a seeds <<<"${seeds[*]}"
jar="${JAR:-trainer/target/cerberus-trainer.jar}"
work=build/orientation-runs
mkdir -p "$work"
export DJL_OFFLINE=true OPT_OUT_TRACKING=true ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX2}"

# arm name -> replacement of the "flip_features: true" line
declare -A arms=([flip]="flip_features: true" [tta]="flip_tta: true" [plain]="")

train() { # CONFIG -> test accuracy of the first head
  nice -n 5 java -Dai.djl.pytorch.graph_optimizer=false -Dai.djl.pytorch.num_interop_threads=1 \
    -jar "$jar" "$1" --force >"${1%.yaml}.log" 2>&1
  /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["heads"][0]["accuracy"])' \
    "$(dirname "$1")/out/$(basename "${1%.yaml}")/metrics.json"
}

config() { # SOURCE NAME FLIPLINE SEED -> path of the written config (paths stay relative)
  local c="$work/$2.yaml"
  sed -e "s#^flip_features: true#$3#" -e "s#^seed: .*#seed: $4#" \
      -e "s#^output: .*#output: out/$2#" -e "s#\.\./#../../#g" -e "s#data/#../../examples/data/#g" \
      "$1" >"$c"
  echo "$c"
}

for arm in flip tta plain; do
  accs=()
  for s in "${seeds[@]}"; do
    accs+=("$(train "$(config examples/orientation.yaml "orientation-$arm-s$s" "${arms[$arm]}" "$s")")")
  done
  echo "orientation $arm: ${accs[*]}"
done | tee "$work/orientation.txt"

# category head (examples/fashion-unknown.yaml's four classes, whole backbone, no OOD data)
cat_src="$work/category.yaml.in"
sed -e 's#^name: orientation#name: category#' -e 's#data/orientation/#data/fashion-cat/#' \
    -e 's#task: facing#task: category#' \
    -e 's#{name: facing, kind: multiclass, labels: \[as_is, mirrored\]#{name: category, kind: multiclass, labels: [trouser, bag, sneaker, dress]#' \
    examples/orientation.yaml >"$cat_src"
for arm in plain tta; do
  echo "category $arm: $(train "$(config "$cat_src" "category-$arm-s${seeds[0]}" "${arms[$arm]}" "${seeds[0]}")")"
done | tee -a "$work/orientation.txt"
