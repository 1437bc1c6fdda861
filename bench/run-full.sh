#!/bin/sh
# The full side-by-side benchmark run (about 31 minutes on 2 cores, more on a busy machine). Run from anywhere:
#   bench/run-full.sh [extra `bench full` options, e.g. --duration 30 --only served,heads]
# Builds nothing: needs server/target/cerberus-server.jar and bench/target/cerberus-bench.jar
#   ./mvnw -pl proto,model,server -am install -DskipTests && ./mvnw -pl bench -am install -DskipTests
# The server jar is copied first (other builds may rewrite it during the run). Writes
# bench/results/latest.json, latest.md and memory.png. Loopback only; every run is bounded.
set -e
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
mkdir -p bench/target/full
cp server/target/cerberus-server.jar bench/target/full/cerberus-server.jar
cp bench/target/cerberus-bench.jar bench/target/full/cerberus-bench.jar
unzip -tq bench/target/full/cerberus-server.jar >/dev/null
unzip -tq bench/target/full/cerberus-bench.jar >/dev/null
echo "load before the run: $(cat /proc/loadavg)" >&2
# On a shared machine, other jobs take cycles from whichever slice runs at that moment. Where
# permitted (root, or CAP_SYS_NICE), the run and every process it starts (servers, offline
# child, peers) get priority over them: nice -10. Elsewhere it runs at the caller's priority.
# BENCH_NICE=0 turns this off.
NICE="${BENCH_NICE:--10}"
if [ "$NICE" != 0 ] && nice -n "$NICE" true 2>/dev/null && [ "$(nice -n "$NICE" nice)" -lt "$(nice)" ]; then
  echo "running at nice $NICE" >&2
  set -- nice -n "$NICE" java -Xmx1g -Dcerberus.repo.root="$ROOT" -jar bench/target/full/cerberus-bench.jar full --server-jar bench/target/full/cerberus-server.jar "$@"
  exec "$@"
fi
exec java -Xmx1g -Dcerberus.repo.root="$ROOT" -jar bench/target/full/cerberus-bench.jar full --server-jar bench/target/full/cerberus-server.jar "$@"
