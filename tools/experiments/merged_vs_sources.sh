#!/usr/bin/env bash
# Arm (e): merge the four single-task bundles of arm (c) for one seed and check, through a real
# server, that the merged bundle answers exactly as its sources on every test text.
#   tools/experiments/merged_vs_sources.sh SEED [--strip-unknown]
# Sources: $BUNDLES/textbench-full-<task>/SEED (BUNDLES default build/bundles; read only), test
# texts in $DATA (default examples/data/textbench). The
# model repository, merged bundle and logs go under this checkout's build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
seed=${1:?usage: merged_vs_sources.sh SEED}
tasks=(event cognition communication attribute)
bundles=${BUNDLES:-build/bundles}
repo=build/armc-repo-$seed
rm -rf "$repo" && mkdir -p "$repo"
srcs=()
for t in "${tasks[@]}"; do
  b=$bundles/textbench-full-$t/$seed
  [ -f "$b/bundle.json" ] || { echo "missing $b (run arm (c) first)" >&2; exit 2; }
  mkdir -p "$repo/full-$t" && cp -r "$b" "$repo/full-$t/1"
  srcs+=("$b")
done
# Each source's head has its own top and its top-level policy was fitted on the shared top's
# features: merge carries it as the head's policy with "features": "shared", and the script
# compares every head's verdict and ood_score with its source's. With --strip-unknown the
# sources are merged without their unknown policies (probabilities only).
if [ "${2:-}" = "--strip-unknown" ]; then
  strip=build/armc-strip-$seed
  rm -rf "$strip" && mkdir -p "$strip"
  stripped=()
  for t in "${tasks[@]}"; do
    cp -r "$bundles/textbench-full-$t/$seed" "$strip/$t"
    /usr/bin/python3 -c 'import json,sys; p=sys.argv[1]; b=json.load(open(p)); b.pop("unknown", None); json.dump(b, open(p, "w"), indent=2)' "$strip/$t/bundle.json"
    stripped+=("$strip/$t")
  done
  srcs=("${stripped[@]}")
fi
bin/cerberus merge --output "$repo/merged/1" "${srcs[@]}"
clients/python/setup.sh >/dev/null
# build the server and client jars one after the other before using them: two first-use builds
# at once (serve in the background, health in the loop) race on proto/target
bin/cerberus serve --help >/dev/null
bin/cerberus health --help >/dev/null
port=$(( 20000 + RANDOM % 20000 ))
mkdir -p build/logs
log=build/logs/armc-merge-$seed-server.log
bin/cerberus serve --models "$repo" --port "$port" > "$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  bin/cerberus health --target 127.0.0.1:$port --wait-s 2 2>/dev/null | grep -q SERVING && break
  kill -0 $pid 2>/dev/null || { tail -20 "$log" >&2; exit 1; }
  sleep 1
done
args=()
for t in "${tasks[@]}"; do args+=(--source "$t=full-$t"); done
/usr/bin/python3 tools/experiments/merged_vs_sources.py --target 127.0.0.1:$port --merged merged \
  "${args[@]}" --data "${DATA:-examples/data/textbench}" --json build/logs/armc-merge-$seed.json
