#!/usr/bin/env bash
# The launchers as a newcomer meets them (issue 16): bin/cerberus demo --help, serve in a folder
# without models, a real server start (no libtorch noise), the demo's summary and clean-up, and
# ./mvnw's Java check. Needs the server and client jars (./mvnw verify builds them); starts two
# real servers on free loopback ports (1-3 minutes on 2 busy cores), and the Python client's
# hint for an interpreter without grpcio. Exit 1 names each failure.
#
#   tools/launcher/test_launcher.sh
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d -t cerberus-launcher-test.XXXXXX)"
trap 'rm -rf "$work"' EXIT
failures=0
export CERBERUS_NO_REBUILD=1   # test the jars that exist; never start a build from here

check() { # check DESCRIPTION COMMAND...: runs the command, reports a failure when it fails
  local what="$1"; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what" >&2; failures=$((failures + 1)); fi
}
contains() { grep -q -F -- "$2" "$1"; }
lacks() { ! grep -q -F -- "$2" "$1"; }

for jar in server/target/cerberus-server.jar clients/java/target/cerberus-client.jar; do
  [ -f "$root/$jar" ] || { echo "missing $jar: build first (./mvnw verify)" >&2; exit 2; }
done

# 1. demo --help: help only, no server, within a second or two
start=$SECONDS
"$root/bin/cerberus" demo --help >"$work/help.out" 2>"$work/help.err"
check "demo --help exits 0" [ $? -eq 0 ]
check "demo --help prints its usage" contains "$work/help.out" "Usage: bin/cerberus demo"
check "demo --help starts nothing" lacks "$work/help.err" "starting the server"
check "demo --help is quick" [ $((SECONDS - start)) -le 5 ]

# 2. serve from a folder without models: refused, one line naming the folder
mkdir -p "$work/elsewhere"
(cd "$work/elsewhere" && "$root/bin/cerberus" serve --port 0 >/dev/null 2>"$work/empty.err")
code=$?
check "serve without models exits non-zero" [ "$code" -ne 0 ]
check "serve without models says so in one line" [ "$(wc -l <"$work/empty.err")" -eq 1 ]
check "serve without models names the folder" \
  contains "$work/empty.err" "no models to serve in $work/elsewhere/models"

# 3. a real server start: one engine line, no NNPACK or GPU-count noise
"$root/bin/cerberus" serve --port 0 --models "$root/models" >/dev/null 2>"$work/serve.err" &
pid=$!
for _ in $(seq 1 300); do
  grep -q "Cerberus listening" "$work/serve.err" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
check "serve starts (log: listening)" contains "$work/serve.err" "Cerberus listening"
check "serve states engine, device, threads" contains "$work/serve.err" "engine: PyTorch"
check "serve prints no NNPACK warnings" lacks "$work/serve.err" "NNPACK"
check "serve prints no GPU-count warning" lacks "$work/serve.err" "Failed to detect GPU count"

# 4. the demo: known and unseen classes in the summary, its server log removed afterwards
mkdir -p "$work/tmp"
# (a long deadline: a first batch of 32 took over 30 s at load average 40 here; speed is not
# what this checks)
TMPDIR="$work/tmp" "$root/bin/cerberus" demo --deadline-ms 600000 >"$work/demo.out" 2>"$work/demo.err"
check "demo exits 0" [ $? -eq 0 ]
check "demo names the classes the model knows" \
  contains "$work/demo.err" "knows: bag, dress, sneaker, trouser"
check "demo counts right decisions for known and unseen classes" \
  contains "$work/demo.err" "right decisions:"
check "demo removes its server log" [ -z "$(ls -A "$work/tmp")" ]

# 5. ./mvnw with an old JDK first on PATH: one clear line, exit 2
mkdir -p "$work/oldjdk"
printf '#!/bin/sh\necho "javac 11.0.20" >&2\n' >"$work/oldjdk/javac"
chmod +x "$work/oldjdk/javac"
(unset JAVA_HOME; PATH="$work/oldjdk:$PATH" "$root/mvnw" -v >/dev/null 2>"$work/mvnw.err")
check "mvnw refuses Java 11 with exit 2" [ $? -eq 2 ]
check "mvnw says Java 17 is needed" contains "$work/mvnw.err" "Java 17 or newer is needed"

# 6. the Python client's CLI under an interpreter without grpcio (-S: no site packages): a hint
(cd "$root/clients/python" && /usr/bin/python3 -S -m cerberus_client --help >/dev/null 2>"$work/py.err")
check "python client without grpcio exits non-zero" [ $? -ne 0 ]
check "python client without grpcio: one line" [ "$(wc -l <"$work/py.err")" -eq 1 ]
check "python client without grpcio: names the fix" contains "$work/py.err" "clients/python/setup.sh"

if [ "$failures" -gt 0 ]; then
  echo "$failures launcher check(s) failed; last lines of each output:" >&2
  for f in "$work"/*.err; do echo "--- $f"; tail -n 5 "$f"; done >&2
  exit 1
fi
echo "all launcher checks passed"
