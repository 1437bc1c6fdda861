#!/usr/bin/env bash
# Runs every client's end-to-end test (the shared scenario, clients/README.md) against the real
# server jar.
#
#   clients/run-e2e.sh [--jar server/target/cerberus-server.jar] [--models models] [--plaintext]
#                      [--only LANG[,LANG]]
#
# Builds nothing: the jar must exist (./mvnw -pl server -am package -DskipTests). Serves the
# models folder plus three tiny fixtures (`vectors`: tensor input, for the FP32 checks; `words`:
# text input; clients/testdata `tasks`: heads with their own unknown policies) on a free loopback
# port with TLS (a throw-away self-signed certificate) and a bearer token, unless --plaintext;
# waits for grpc.health.v1 SERVING, runs each clients/<lang>/setup.sh and e2e.sh, stops the
# server, and ends with "N passed, N failed" (exit 1 if any failed).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
jar="$repo/server/target/cerberus-server.jar"
models="$repo/models"
start_timeout="${CERBERUS_E2E_START_TIMEOUT:-300}"
secure=1
only="python,node,go,java"
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) jar="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --plaintext) secure=0; shift ;;
    --only) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (allowed: --jar FILE, --models DIR, --plaintext, --only LANGS)" >&2; exit 64 ;;
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
for fixture in "$repo/server/src/test/resources/oip/vectors" "$repo/server/src/test/resources/oip/words" \
               "$here/testdata/tasks"; do
  [ -e "$work/models/$(basename "$fixture")" ] || ln -s "$fixture" "$work/models/$(basename "$fixture")"
done
export CERBERUS_E2E_TEXT_MODEL="${CERBERUS_E2E_TEXT_MODEL-words}" CERBERUS_E2E_HEADS_MODEL="${CERBERUS_E2E_HEADS_MODEL-tasks}"

# TLS and token: a certificate for 127.0.0.1 made here, thrown away at the end.
security=()
health_tls=()
if [ "$secure" -eq 1 ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null \
    || { echo "openssl could not make a test certificate" >&2; exit 2; }
  export CERBERUS_E2E_CA="$work/cert.pem"
  CERBERUS_E2E_TOKEN="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  export CERBERUS_E2E_TOKEN
  printf 'cerberus.auth.token=%s\n' "$CERBERUS_E2E_TOKEN" >"$work/server.properties"   # not in ps
  security=(--tls-cert "$work/cert.pem" --tls-key "$work/key.pem" --config "$work/server.properties")
  health_tls=(--tls-ca "$work/cert.pem")
else
  unset CERBERUS_E2E_CA CERBERUS_E2E_TOKEN
fi

passed=0
failed=0
record() { # name rc
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "== PASS $1"; else failed=$((failed + 1)); echo "== FAIL $1 (exit $2)"; fi
}

langs=()
for lang in python node go java; do
  case ",$only," in *",$lang,"*) [ -x "$here/$lang/e2e.sh" ] && langs+=("$lang") ;; esac
done
for lang in "${langs[@]}"; do
  if [ -x "$here/$lang/setup.sh" ]; then
    echo "== setup $lang"
    "$here/$lang/setup.sh" || { record "$lang setup" 1; }
  fi
done

port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
target="127.0.0.1:$port"
echo "== starting $jar on $target with $(ls "$work/models" | tr '\n' ' ')$([ "$secure" -eq 1 ] && echo "(TLS, token)")"
DJL_OFFLINE=true OPT_OUT_TRACKING=true ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX2}" java ${CERBERUS_E2E_JAVA_OPTS:-} -jar "$jar" serve \
  --host 127.0.0.1 --port "$port" --models "$work/models" "${security[@]}" >"$work/server.log" 2>&1 &
server_pid=$!

# Health via the Python client's CLI (grpc.health.v1 Check on the whole server), from its folder.
[ -d "$here/python/cerberus_client/_gen" ] || "$here/python/setup.sh" >/dev/null
deadline=$((SECONDS + start_timeout))
status=""
while [ $SECONDS -lt $deadline ]; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "server exited during start-up; its log:"; tail -40 "$work/server.log"
    record "server start" 1; echo "$passed passed, $failed failed"; exit 1
  fi
  status="$(cd "$here/python" && /usr/bin/python3 -m cerberus_client --target "$target" "${health_tls[@]}" health 2>/dev/null || true)"
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
