#!/bin/sh
# The full side-by-side benchmark run (about 25 minutes on 2 cores, more on a busy machine). Run from anywhere:
#   bench/run-full.sh [extra `bench full` options, e.g. --duration 30 --only served,heads]
# Builds nothing: needs server/target/cerberus-server.jar and bench/target/cerberus-bench.jar
#   ./mvnw -o -pl proto,model,server install -DskipTests && ./mvnw -o -pl bench install -DskipTests
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
exec java -Xmx1g -Dcerberus.repo.root="$ROOT" -jar bench/target/full/cerberus-bench.jar full --server-jar bench/target/full/cerberus-server.jar "$@"
