#!/usr/bin/env bash
# Runs pvkit's performance program and writes benchmarks/report/report.md with its PNG charts.
#
#   benchmarks/run-report.sh [--quick] [--out DIR] [--no-build]
#
# --quick: short JMH iterations and 2 cross-process rounds (under 5 minutes on a 2-vCPU machine);
# without it: the full settings (about 15 minutes). Needs JDK 25, gcc and Xen's headers (libxen-dev).
# The whole run is bounded by `timeout` (8 minutes quick, 30 minutes full).
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
LIMIT=$([ -n "$QUICK" ] && echo 480 || echo 1800)
exec timeout "$LIMIT" "$JAVA" -Djava.awt.headless=true -cp benchmarks/target/benchmarks.jar \
  io.pvkit.benchmarks.report.BenchReport --out "$OUT" --jar benchmarks/target/benchmarks.jar \
  --c-src benchmarks/src/main/c $QUICK
