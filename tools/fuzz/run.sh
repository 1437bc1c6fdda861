#!/usr/bin/env bash
# Coverage-guided fuzzing of every Jazzer target (@FuzzTest in model/ and server/), one after the
# other, each for --minutes N; prints executions and findings per target.
#
#   tools/fuzz/run.sh [--minutes N] [--only Class#method]...    (bin/cerberus fuzz takes the same)
#
# The default test run (./mvnw test) runs every target in regression mode only: its seeds and
# every committed crash input under src/test/resources/.../<Class>Inputs/<method>/. Here each
# target is fuzzed (JAZZER_FUZZ=1) in its own Maven/JVM run; Jazzer stops a target at its first
# finding and writes the input as crash-<sha1> into that Inputs folder, so once the bug is fixed
# the committed file is a regression test. The growing corpus goes to <module>/.cifuzz-corpus/
# (git-ignored). Logs: target/fuzz/<Class>.<method>.log at the repository root.
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
minutes=5
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --only) only+=("$2"); shift 2 ;;
    -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fuzz: unknown option '$1' (--minutes N, --only Class#method)" >&2; exit 2 ;;
  esac
done
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')

# module  Class#method
targets=(
  "model ImageFuzzTest#decodeAndResize"
  "model NpyFuzzTest#parse"
  "model BundleFuzzTest#manifestBytes"
  "model BundleFuzzTest#editedManifest"
  "model TokenizerFuzzTest#tokenise"
  "server ClassifyFuzzTest#classify"
  "server ClassifyFuzzTest#classifyBytes"
  "server ModelInferFuzzTest#modelInfer"
  "server ModelInferFuzzTest#modelInferBytes"
)

logs="$root/target/fuzz"
mkdir -p "$logs"
summary=()
status=0
for t in "${targets[@]}"; do
  module="${t%% *}"
  test="${t#* }"
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $test "* ]]; then continue; fi
  log="$logs/${test/\#/.}.log"
  echo "fuzz: $test for ${seconds} s (log: ${log#"$root"/})" >&2
  set +e
  (cd "$root" && JAZZER_FUZZ=1 nice -n 5 ./mvnw -o -pl "$module" -am test \
    -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.hooks=true \
    -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1="-max_total_time=$seconds" >"$log" 2>&1)
  rc=$?
  set -e
  # libFuzzer's last words: "Done 12345 runs in 60 second(s)"; a finding: "Test unit written to ..."
  runs=$(grep -a -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1 | awk '{print $2 " " $5}' || true)
  execs="${runs%% *}"
  secs="${runs##* }"
  finding=$(grep -a -o 'Test unit written to [^ ]*' "$log" | tail -1 | sed 's/Test unit written to //; s|.*/src/test/resources/|…/|' || true)
  cov=$(grep -a -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || true)
  if [ -n "$finding" ]; then
    reason=$(grep -a -m1 -E 'FuzzTestFindingException|== Java Exception' "$log" | cut -c1-160 || true)
    summary+=("| $test | ${secs:-?} | ${execs:-?} | ${cov:-} | 1: $finding ($reason) |")
    status=1
  elif [ -z "$runs" ] || [ $rc -ne 0 ]; then
    summary+=("| $test | ? | ? | | run failed (exit $rc): see ${log#"$root"/} |")
    status=1
  else
    summary+=("| $test | $secs | $execs | ${cov:-} | 0 |")
  fi
done

echo
echo "| target | seconds | executions | coverage at end | findings |"
echo "|---|---|---|---|---|"
printf '%s\n' "${summary[@]}"
exit $status
