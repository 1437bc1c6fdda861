#!/usr/bin/env bash
# Runs every client's end-to-end test against the real server jar.
#
#   clients/run-e2e.sh [--jar server/target/cerberus-server.jar] [--models models]
#
# Builds nothing: the jar must exist (./mvnw -pl server -am install -DskipTests). Serves the
# models folder plus the OIP test fixture `vectors` (a tensor-input model, for the FP32 checks)
# on a free loopback port, waits for grpc.health.v1 SERVING, runs each clients/<lang>/setup.sh
# and e2e.sh, stops the server, and ends with "N passed, N failed" (exit 1 if any failed).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
jar="$repo/server/target/cerberus-server.jar"
models="$repo/models"
start_timeout="${CERBERUS_E2E_START_TIMEOUT:-300}"
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) jar="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (allowed: --jar FILE, --models DIR)" >&2; exit 64 ;;
  esac
done
[ -f "$jar" ] || { echo "server jar not found: $jar (build it: ./mvnw -pl server -am install -DskipTests)" >&2; exit 2; }
[ -d "$models" ] || { echo "models folder not found: $models" >&2; exit 2; }

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$server_pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The served repository: every model of $models plus the tensor fixture, as symlinks.
mkdir -p "$work/models"
for m in "$models"/*/; do
  [ -d "$m" ] && ln -s "$(cd "$m" && pwd)" "$work/models/$(basename "$m")"
done
fixture="$repo/server/src/test/resources/oip/vectors"
[ -e "$work/models/vectors" ] || ln -s "$fixture" "$work/models/vectors"

passed=0
failed=0
record() { # name rc
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "== PASS $1"; else failed=$((failed + 1)); echo "== FAIL $1 (exit $2)"; fi
}

langs=()
for lang in python node go java; do
  [ -x "$here/$lang/e2e.sh" ] && langs+=("$lang")
done
for lang in "${langs[@]}"; do
  if [ -x "$here/$lang/setup.sh" ]; then
    echo "== setup $lang"
    "$here/$lang/setup.sh" || { record "$lang setup" 1; }
  fi
done

port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
target="127.0.0.1:$port"
echo "== starting $jar on $target with $(ls "$work/models" | tr '\n' ' ')"
DJL_OFFLINE=true OPT_OUT_TRACKING=true ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX2}" java ${CERBERUS_E2E_JAVA_OPTS:-} -jar "$jar" serve \
  --host 127.0.0.1 --port "$port" --models "$work/models" >"$work/server.log" 2>&1 &
server_pid=$!

# Health via the Python client's CLI (grpc.health.v1 Check on the whole server).
deadline=$((SECONDS + start_timeout))
status=""
while [ $SECONDS -lt $deadline ]; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "server exited during start-up; its log:"; tail -40 "$work/server.log"
    record "server start" 1; echo "$passed passed, $failed failed"; exit 1
  fi
  status="$(cd "$here/python" && /usr/bin/python3 -m cerberus_client --target "$target" health 2>/dev/null || true)"
  [ "$status" = "SERVING" ] && break
  sleep 1
done
if [ "$status" != "SERVING" ]; then
  echo "server not SERVING after ${start_timeout}s; its log:"; tail -40 "$work/server.log"
  record "server start" 1; echo "$passed passed, $failed failed"; exit 1
fi
echo "== server SERVING"

for lang in "${langs[@]}"; do
  echo "== e2e $lang"
  "$here/$lang/e2e.sh" "$target"
  record "$lang e2e" $?
done

if [ "$failed" -gt 0 ]; then echo "server log (last 40 lines):"; tail -40 "$work/server.log"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
