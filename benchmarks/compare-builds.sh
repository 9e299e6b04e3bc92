#!/usr/bin/env bash
# Same-run comparison of two builds of the benchmarks (e.g. before and after a change): runs the JMH benchmarks
# that both jars have and that match REGEX, alternating old and new jar round by round (so both see the same
# machine), and prints per benchmark the median score of each jar over the rounds and the ratio new/old with
# its direction (faster or slower). Usage:
#
#   benchmarks/compare-builds.sh OLD.jar NEW.jar REGEX [ROUNDS] [extra JMH options...]
#
#   git worktree add --detach /tmp/old 9e14be2 && (cd /tmp/old && ./mvnw -B -q -pl benchmarks -am -DskipTests package)
#   ./mvnw -B -q -pl benchmarks -am -DskipTests package
#   benchmarks/compare-builds.sh /tmp/old/benchmarks/target/benchmarks.jar benchmarks/target/benchmarks.jar \
#       'io.pvkit.benchmarks.(ring.RingPingPong|grant.GrantCopy).*' 5
#
# Each round runs JMH with one fork and short iterations (-f 1 -wi 2 -i 3 -w 300ms -r 300ms; set JMH_RUN_OPTS to
# replace them, e.g. JMH_RUN_OPTS='-f 1 -wi 3 -i 5 -w 1s -r 1s': JMH refuses an option given twice).
# Ratios: for average-time modes new/old time (below 1 is faster); for throughput modes new/old rate
# (above 1 is faster). A benchmark is reported only when both jars ran it with the same parameters.
set -euo pipefail
if [[ $# -lt 3 ]]; then
    sed -n '2,20p' "$0"
    exit 2
fi
OLD=$1 NEW=$2 REGEX=$3 ROUNDS=${4:-5}
shift $(( $# >= 4 ? 4 : 3 ))
JAVA=${JAVA:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -1)/bin/java}
OUT=$(mktemp -d /tmp/pvkit-compare.XXXXXX)
echo "comparing $OLD (old) with $NEW (new), $ROUNDS rounds, results in $OUT; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
    for side in old new; do
        jar=$OLD; [[ $side == new ]] && jar=$NEW
        "$JAVA" --enable-native-access=ALL-UNNAMED -jar "$jar" "$REGEX" ${JMH_RUN_OPTS:--f 1 -wi 2 -i 3 -w 300ms -r 300ms} "$@" \
            -rf json -rff "$OUT/$side-$r.json" > "$OUT/$side-$r.log" 2>&1 || { echo "JMH failed: $OUT/$side-$r.log"; exit 1; }
    done
    echo "round $r of $ROUNDS done (load $(cut -d' ' -f1 /proc/loadavg))"
done
python3 - "$OUT" "$ROUNDS" <<'PY'
import json, statistics, sys, os
out, rounds = sys.argv[1], int(sys.argv[2])
scores = {}
for side in ("old", "new"):
    for r in range(1, rounds + 1):
        for b in json.load(open(os.path.join(out, f"{side}-{r}.json"))):
            key = (b["benchmark"].replace("io.pvkit.benchmarks.", ""),
                   ",".join(f"{k}={v}" for k, v in sorted((b.get("params") or {}).items())), b["mode"],
                   b["primaryMetric"]["scoreUnit"])
            scores.setdefault(key, {"old": [], "new": []})[side].append(b["primaryMetric"]["score"])
print(f"| benchmark | params | mode | old (median of {rounds}) | new (median of {rounds}) | new/old | |")
print("| --- | --- | --- | ---: | ---: | ---: | --- |")
for (name, params, mode, unit), s in sorted(scores.items()):
    if not s["old"] or not s["new"]:
        continue
    o, n = statistics.median(s["old"]), statistics.median(s["new"])
    ratio = n / o if o else float("nan")
    faster = (ratio < 1) if mode in ("avgt", "sample", "ss") else (ratio > 1)
    print(f"| {name} | {params} | {mode} | {o:.4g} {unit} | {n:.4g} {unit} | {ratio:.3f} | {'faster' if faster else 'slower'} |")
PY
