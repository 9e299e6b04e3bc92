#!/usr/bin/env bash
# CPU-time comparison of one single-threaded benchmark method in two builds of the benchmarks jar, for a machine
# that is not idle (JMH's wall clock then measures the load as much as the code). Runs benchmarks/tools/CpuTime.java
# against each jar in a fresh JVM, the jars alternating, ROUNDS rounds, and prints each round's best-of-last-half
# CPU ns per call and the medians. Reflection adds a few ns per call to both sides alike. Usage:
#
#   benchmarks/compare-cpu-time.sh OLD.jar NEW.jar CLASS METHOD [ROUNDS] [CALLS] [REPETITIONS]
#   benchmarks/compare-cpu-time.sh /tmp/old/benchmarks/target/benchmarks.jar benchmarks/target/benchmarks.jar \
#       io.pvkit.benchmarks.evtchn.EventChannelThroughputBenchmark allocBindClose 7
set -euo pipefail
if [[ $# -lt 4 ]]; then
    sed -n '2,10p' "$0"
    exit 2
fi
OLD=$1 NEW=$2 CLASS=$3 METHOD=$4 ROUNDS=${5:-7} CALLS=${6:-300000} REPS=${7:-8}
JAVA=${JAVA:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -1)/bin/java}
TOOL="$(cd "$(dirname "$0")" && pwd)/tools/CpuTime.java"
echo "CPU time of $CLASS.$METHOD: $OLD (old) vs $NEW (new), $ROUNDS rounds of $REPS x $CALLS calls; load $(cut -d' ' -f1-3 /proc/loadavg)"
old=() new=()
for r in $(seq 1 "$ROUNDS"); do
    for side in old new; do
        jar=$OLD; [[ $side == new ]] && jar=$NEW
        v=$("$JAVA" --enable-native-access=ALL-UNNAMED -cp "$jar" "$TOOL" "$CLASS" "$METHOD" "$CALLS" "$REPS" \
            | sed -n 's/.*best-of-last-half //p')
        if [[ $side == old ]]; then old+=("$v"); else new+=("$v"); fi
    done
    echo "round $r: old ${old[-1]} ns, new ${new[-1]} ns (load $(cut -d' ' -f1 /proc/loadavg))"
done
python3 - "${old[*]}" "${new[*]}" <<'PY'
import statistics, sys
o = [float(x) for x in sys.argv[1].split()]
n = [float(x) for x in sys.argv[2].split()]
mo, mn = statistics.median(o), statistics.median(n)
print(f"median old {mo:.1f} ns, new {mn:.1f} ns per call: new/old {mn / mo:.3f} ({'faster' if mn < mo else 'slower'})")
PY
