#!/usr/bin/env bash
# Runs pvkit's performance program and writes benchmarks/report/report.md with its PNG charts.
#
#   benchmarks/run-report.sh [--quick] [--out DIR] [--no-build]
#
# --quick: short JMH iterations and 2 cross-process rounds (about 4 minutes on a 2-vCPU machine);
# without it: the full settings (about 12 minutes). Needs JDK 25, gcc and Xen's headers (libxen-dev).
# Besides the ring, event and grant suites it runs the block figures: BlockIoBenchmark and Dom0GrantCopyBenchmark
# (JMH), BlockNotifications (blkback poll window off and on) and BlockScale (64 guests x 4 queues).
# The whole run is bounded by `timeout` (15 minutes quick, 45 minutes full).
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=""
OUT=benchmarks/report
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK="--quick" ;;
    --out) OUT="$2"; shift ;;
    --no-build) BUILD=0 ;;
    *) echo "usage: $0 [--quick] [--out DIR] [--no-build]" >&2; exit 64 ;;
  esac
  shift
done
JAVA_HOME_25=$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -1 || true)
JAVA=${JAVA_HOME_25:+$JAVA_HOME_25/bin/}java
if [ "$BUILD" = 1 ]; then
  ./mvnw -B -q -pl benchmarks -am package -DskipTests -Dpvkit.stress.skip=true
fi
LIMIT=$([ -n "$QUICK" ] && echo 900 || echo 2700)
# PVKIT_BENCH_JAVA_OPTS: extra options for the report's JVM, e.g. -Djmh.ignoreLock=true when another JMH run
# holds /tmp/jmh.lock (its figures then share the machine with that run: say so when quoting them)
# shellcheck disable=SC2086
exec timeout "$LIMIT" "$JAVA" -Djava.awt.headless=true --enable-native-access=ALL-UNNAMED ${PVKIT_BENCH_JAVA_OPTS:-} -cp benchmarks/target/benchmarks.jar \
  io.pvkit.benchmarks.report.BenchReport --out "$OUT" --jar benchmarks/target/benchmarks.jar \
  --c-src benchmarks/src/main/c $QUICK
