package io.pvkit.benchmarks.report;

import io.pvkit.benchmarks.block.BlockNotifications;
import io.pvkit.benchmarks.block.BlockScale;
import io.pvkit.benchmarks.crossprocess.CrossProcessRings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The one command behind {@code benchmarks/run-report.sh}: runs the JMH suites (with {@code -prof gc}), the
 * cross-process ring pairs against the C baseline, and the latency histograms, then writes {@code report.md}
 * (machine, load, a table of every target with its figure, baseline, ratio and verdict, then the raw figures)
 * and PNG charts into the output directory.
 *
 * <pre>java -cp benchmarks.jar io.pvkit.benchmarks.report.BenchReport --out DIR --jar benchmarks.jar
 *      --c-src benchmarks/src/main/c [--quick]</pre>
 */
public final class BenchReport {
    private BenchReport() {
    }

    /**
     * Runs the program and writes the report.
     *
     * @param args {@code --out DIR --jar JAR --c-src DIR [--quick]}
     * @throws Exception when a part fails to run
     */
    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Map<String, String> a = new LinkedHashMap<>();
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                quick = true;
            } else {
                a.put(args[i].substring(2), args[++i]);
            }
        }
        Path out = Path.of(a.getOrDefault("out", "benchmarks/report"));
        Path jar = Path.of(a.getOrDefault("jar", "benchmarks/target/benchmarks.jar"));
        Path cSrc = Path.of(a.getOrDefault("c-src", "benchmarks/src/main/c"));
        Files.createDirectories(out);
        PrintStream log = System.out;
        Machine before = Machine.now();
        long t0 = System.nanoTime();

        log.println("== latency histograms (in-process, HdrHistogram)");
        Map<String, Histogram> latency = LatencyPercentiles.record(quick ? 200_000 : 1_000_000, quick ? 8 : 20);
        log.println("== cross-process pairs");
        Map<String, List<Double>> cross = CrossProcessRings.run(new CrossProcessRings.Config(jar, cSrc,
                Path.of("benchmarks/target/c"), quick ? 2 : 5, quick ? 2_000_000 : 4_000_000, quick ? 200_000 : 400_000), log);
        log.println("== JMH suites");
        Map<String, JmhSuite.Figure> jmh = JmhSuite.run(quick, out.resolve("jmh-results.json"));
        log.println("== block: notifications per request, blkback poll window off and on");
        Map<String, Double> block = new LinkedHashMap<>(
                BlockNotifications.run(quick ? 2 : 4, quick ? 10_000 : 40_000, log));
        log.println("== block: 64 guests x 4 queues against one guest");
        block.putAll(BlockScale.run(64, quick ? 2 : 5, quick ? 1 : 3, log));
        Machine after = Machine.now();
        double minutes = (System.nanoTime() - t0) / 60e9;

        Targets targets = new Targets(jmh, cross, latency, block);
        Charts.throughputByBatch(out.resolve("ring-throughput-by-batch.png"), targets.throughputByBatch());
        Charts.latencyPercentiles(out.resolve("ring-latency-percentiles.png"),
                "In-process round trip percentiles (busy-polling threads, 2 shared vCPUs)", latency);
        Charts.ratios(out.resolve("ratios.png"), targets.speedRatios());

        StringBuilder md = new StringBuilder();
        md.append("# pvkit benchmark report\n\n");
        md.append("Written by `benchmarks/run-report.sh").append(quick ? " --quick" : "").append("` on ")
                .append(before.date()).append(String.format(Locale.ROOT, " (%.1f minutes).%n%n", minutes));
        md.append("| machine | |\n| --- | --- |\n");
        md.append("| JDK | ").append(System.getProperty("java.vm.vendor")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(" |\n");
        md.append("| CPU | ").append(before.cpu()).append(" |\n");
        md.append("| cores seen by the JVM | ").append(Runtime.getRuntime().availableProcessors()).append(" |\n");
        md.append("| load average (1, 5, 15 min) at start / end | ").append(before.load()).append(" / ")
                .append(after.load()).append(" |\n");
        md.append("| mode | ").append(quick ? "quick (JMH 1 fork, 2 x 0.4 s warm-up, 3 x 0.4 s measured; 2 cross-process rounds)"
                : "full (JMH 1 fork, 3 x 1 s warm-up, 5 x 1 s measured; 5 cross-process rounds)").append(" |\n\n");
        md.append("The machine is shared (2 vCPUs, other builds running: see the load average). Absolute numbers move "
                + "from run to run; the ratios are taken within this run, each figure against its baseline measured "
                + "minutes apart (JMH) or round by round (cross-process, median of the per-round ratios).\n\n");
        md.append("## Targets\n\n");
        md.append(targets.table());
        md.append("\n![pvkit against its baselines](ratios.png)\n\n");
        md.append("## Ring throughput by batch (JMH, in-process)\n\n![throughput by batch](ring-throughput-by-batch.png)\n\n");
        md.append(targets.batchTable());
        md.append("\n## Round-trip latency percentiles (in-process, HdrHistogram)\n\n");
        md.append("![latency percentiles](ring-latency-percentiles.png)\n\n");
        md.append(latencyTable(latency));
        md.append("\n## Cross-process figures (per round)\n\n");
        md.append(crossTable(cross));
        md.append("\n## Block figures (notifications, scale)\n\n");
        md.append(blockTable(block));
        md.append("\n## Every JMH figure\n\n");
        md.append(jmhTable(jmh));
        Files.writeString(out.resolve("report.md"), md.toString(), StandardCharsets.UTF_8);
        log.println("report written to " + out.resolve("report.md"));
    }

    private static String latencyTable(Map<String, Histogram> latency) {
        StringBuilder b = new StringBuilder("| series | round trips |");
        for (double p : Charts.PERCENTILES) {
            b.append(" p").append(Charts.fmt(p)).append(" (ns) |");
        }
        b.append(" max (ns) |\n| --- | ---: |");
        b.append(" ---: |".repeat(Charts.PERCENTILES.length + 1)).append('\n');
        latency.forEach((k, h) -> {
            b.append("| ").append(k).append(" | ").append(h.getTotalCount()).append(" |");
            for (double p : Charts.PERCENTILES) {
                b.append(' ').append(h.getValueAtPercentile(p)).append(" |");
            }
            b.append(' ').append(h.getMaxValue()).append(" |\n");
        });
        return b.toString();
    }

    private static String crossTable(Map<String, List<Double>> cross) {
        StringBuilder b = new StringBuilder("| figure | unit | median | per round |\n| --- | --- | ---: | --- |\n");
        cross.forEach((k, v) -> b.append("| `").append(k).append("` | ").append(CrossProcessRings.FIGURES.get(k))
                .append(" | ").append(Targets.fmt(Targets.median(v))).append(" | ")
                .append(String.join(", ", v.stream().map(Targets::fmt).toList())).append(" |\n"));
        b.append("\n`tp` = 64-byte requests per second through a 1-page ring (32 slots) kept full by the front; "
                + "`rtt` = window 1 round trip; `flag` = bare flag ping-pong over the same file layout; both sides poll "
                + "with RingPeer's policy (sched_yield up to 1000 times, then 20 µs sleeps). Every driver times the last "
                + "three quarters of its run (after its JIT warm-up, for the Java ones); `cpu` = both processes' CPU time "
                + "(user + system) over their measured windows per request of a `tp` run, the waiting policy's "
                + "`sched_yield` calls included; `work` = the front's and the back's work done alternately by one thread "
                + "over private memory (`xen_ring_pair loop`, `RingWork`), that thread's CPU time per request.\n");
        return b.toString();
    }

    private static String blockTable(Map<String, Double> block) {
        StringBuilder b = new StringBuilder("| figure | value |\n| --- | ---: |\n");
        block.forEach((k, v) -> b.append("| `").append(k).append("` | ").append(Targets.fmt(v)).append(" |\n"));
        b.append("\n`notify.*`: one reference guest per setting, one queue (ring order 4), 32 requests of 4 KiB random "
                + "reads in flight, counted by blkfront (sent = kicks of blkback, received = response events; per request); "
                + "latency from submit to completion. `scale.*`: 4 KiB random reads, 32 in flight per guest over 4 queues, "
                + "one shared image, same hypervisor process.\n");
        return b.toString();
    }

    private static String jmhTable(Map<String, JmhSuite.Figure> jmh) {
        StringBuilder b = new StringBuilder("| benchmark | score | ± (99.9 %) | unit |\n| --- | ---: | ---: | --- |\n");
        jmh.forEach((k, f) -> {
            if (k.contains(":gc.") && !k.contains("gc.alloc.rate.norm")) {
                return;
            }
            b.append("| `").append(k).append("` | ").append(Targets.fmt(f.score())).append(" | ")
                    .append(Targets.fmt(f.error())).append(" | ").append(f.unit()).append(" |\n");
        });
        return b.toString();
    }

    /** What the machine looked like. */
    record Machine(String date, String cpu, String load) {
        static Machine now() {
            String cpu = "unknown";
            String load = "unknown";
            try {
                cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                        .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse(cpu);
                String[] l = Files.readString(Path.of("/proc/loadavg")).split(" ");
                load = l[0] + ", " + l[1] + ", " + l[2];
            } catch (IOException e) {
                // not Linux: leave unknown
            }
            return new Machine(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), cpu, load);
        }
    }

    static List<String> keys(Map<String, ?> m, String prefix) {
        List<String> out = new ArrayList<>();
        for (String k : m.keySet()) {
            if (k.startsWith(prefix)) {
                out.add(k);
            }
        }
        return out;
    }
}
