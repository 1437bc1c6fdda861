#!/usr/bin/env bash
# End-to-end test of the Java client against a running server: clients/java/e2e.sh HOST:PORT
# First the CLI (bin/cerberus: health, models, classify unary/stream/bulk with resume, a one-line
# error), then the shared scenario with the library (e2e/E2e.java, clients/README.md). Needs an
# image model among the served ones (the repo's fashion bundle) and the sample images in
# examples/images/fashion. Builds the client jar through bin/cerberus when missing or stale.
# TLS and token from CERBERUS_E2E_CA and CERBERUS_E2E_TOKEN, as for every client.
set -euo pipefail
if [ $# -ne 1 ]; then echo "usage: $0 HOST:PORT" >&2; exit 64; fi
target="$1"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
py=/usr/bin/python3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tls=()
[ -n "${CERBERUS_E2E_CA:-}" ] && tls=(--tls-ca "$CERBERUS_E2E_CA")
if [ -n "${CERBERUS_E2E_TOKEN:-}" ]; then export CERBERUS_TOKEN="$CERBERUS_E2E_TOKEN"; else unset CERBERUS_TOKEN; fi
cli() { local sub="$1"; shift; "$repo/bin/cerberus" "$sub" "${tls[@]}" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "-- health"
[ "$(cli health --target "$target")" = SERVING ] || fail "health is not SERVING"

echo "-- models --json"
cli models --target "$target" --json >"$work/models.json"
model="$($py -c 'import json,sys
ms=[m for m in json.load(open(sys.argv[1]))["models"] if m["input"]["kind"]=="image"]
print(ms[0]["name"] if ms else "")' "$work/models.json")"
[ -n "$model" ] || fail "no image model is served"
cli models --target "$target" | grep -q "^$model " || fail "models text output lacks $model"

mapfile -t images < <(find "$repo/examples/images/fashion" -name '*.png' | sort | head -n 6)
[ "${#images[@]}" -eq 6 ] || fail "expected sample images in examples/images/fashion"

check_lines() { # file expected-count
  $py - "$1" "$2" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ids = [l["id"] for l in lines]
assert len(lines) == int(sys.argv[2]), f"{len(lines)} lines, expected {sys.argv[2]}"
assert len(set(ids)) == len(ids), "repeated ids"
for l in lines:
    assert "error" not in l, f"item error: {l}"
    assert isinstance(l["unknown"], bool) and "decision" in l and "ood_score" in l, l
    assert l["reason"] in ("gate", "threshold", "class"), l
    for h in l["heads"].values():
        assert abs(sum(h["probabilities"].values()) - 1) < 1e-3 or len(h["probabilities"]) == 2, h
PY
}

echo "-- classify (unary, batches of 4)"
cli classify --target "$target" --model "$model" --batch 4 "${images[@]}" >"$work/unary.jsonl"
check_lines "$work/unary.jsonl" 6

echo "-- classify --stream"
cli classify --target "$target" --model "$model" --stream --batch 2 "${images[@]}" >"$work/stream.jsonl"
check_lines "$work/stream.jsonl" 6

echo "-- classify --bulk, interrupted and resumed"
mkdir -p "$work/src/a" "$work/src/b"
for i in "${!images[@]}"; do cp "${images[$i]}" "$work/src/$([ $((i % 2)) -eq 0 ] && echo a || echo b)/$i.png"; done
cli classify --target "$target" --model "$model" --bulk "$work/src" --out "$work/bulk.jsonl" --no-progress
head -n 3 "$work/bulk.jsonl" >"$work/partial.jsonl"
sed -n 4p "$work/bulk.jsonl" | head -c 20 >>"$work/partial.jsonl"   # a kill mid-write
mv "$work/partial.jsonl" "$work/bulk.jsonl"
cli classify --target "$target" --model "$model" --bulk "$work/src" --out "$work/bulk.jsonl" --no-progress
check_lines "$work/bulk.jsonl" 6

echo "-- a call-level error is one line and exit 1"
set +e
cli classify --target "$target" --model no-such-model "${images[0]}" >/dev/null 2>"$work/err.txt"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "unknown model: exit $rc, expected 1"
grep -q "^error: NOT_FOUND: " "$work/err.txt" || fail "unknown model: stderr was: $(cat "$work/err.txt")"
[ "$(wc -l <"$work/err.txt")" -eq 1 ] || fail "unknown model: more than one stderr line"

echo "java e2e: CLI checks passed"

echo "-- the shared scenario (e2e/E2e.java, the library)"
CERBERUS_E2E_REPO="$repo" exec java -cp "$here/target/cerberus-client.jar" "$here/e2e/E2e.java" "$target"
