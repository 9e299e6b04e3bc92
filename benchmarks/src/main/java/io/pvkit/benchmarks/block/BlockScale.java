package io.pvkit.benchmarks.block;

import io.pvkit.guest.block.BlockFrontendOptions;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 14's scale figure: aggregate block IOPS of 64 reference guests, each with 4 queues, on one in-process
 * reference hypervisor, against one guest with 4 queues on the same hypervisor and the same cores (the JVM's
 * available processors), both as 4 KiB random reads from one shared image (page cache warm) for a fixed time.
 * Every guest keeps {@value #QUEUE_DEPTH} requests in flight over its queues. The single guest runs before and
 * after the 64 (each on a fresh hypervisor in the same JVM); its better figure is the baseline. A benchmark, not a test: 64 guests
 * with 256 blkback queues (served by blkback's shared workers, one per core, or by the number of threads the
 * system property {@code pvkit.blkback.workers} gives) are too heavy for CI.
 *
 * <pre>java -cp benchmarks.jar io.pvkit.benchmarks.block.BlockScale [GUESTS SECONDS ROUNDS]</pre>
 */
public final class BlockScale {
    private static final int QUEUE_DEPTH = 32;
    private static final int QUEUES = 4;

    private BlockScale() {
    }

    /**
     * Runs the measurement and prints it.
     *
     * @param args optional guests, seconds per round and rounds
     */
    public static void main(String[] args) {
        int guests = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        run(guests, seconds, rounds, System.out).forEach((k, v) -> System.out.printf(Locale.ROOT, "%s %.4f%n", k, v));
    }

    /**
     * Measures one guest, then {@code guests} guests, {@code rounds} rounds of {@code seconds} each.
     *
     * @param guests how many guests in the second part (64 for issue 14)
     * @param seconds length of each measured round
     * @param rounds measured rounds (after one warm-up round)
     * @param log progress
     * @return {@code scale.one.iops} (the better of {@code scale.one.first.iops} and {@code scale.one.last.iops}),
     *     {@code scale.many.iops}, {@code scale.guests}, {@code scale.cores}
     */
    public static Map<String, Double> run(int guests, double seconds, int rounds, PrintStream log) {
        BlockFrontendOptions o = new BlockFrontendOptions(0, QUEUES, true, true, QUEUE_DEPTH, Duration.ofSeconds(30));
        Map<String, Double> out = new LinkedHashMap<>();
        // one guest before and after the many: the JIT has compiled the shared path by the second time, so the
        // better of the two is the fair single-guest baseline (the first alone would flatter the ratio)
        double before = iops(1, o, seconds, rounds, log);
        out.put("scale.many.iops", iops(guests, o, seconds, rounds, log));
        double after = iops(1, o, seconds, rounds, log);
        out.put("scale.one.iops", Math.max(before, after));
        out.put("scale.one.first.iops", before);
        out.put("scale.one.last.iops", after);
        out.put("scale.guests", (double) guests);
        out.put("scale.cores", (double) Runtime.getRuntime().availableProcessors());
        return out;
    }

    private static double iops(int guests, BlockFrontendOptions o, double seconds, int rounds, PrintStream log) {
        long t0 = System.nanoTime();
        try (BlockRig rig = BlockRig.start(guests, 64L << 20, true, o, -1)) {
            log.printf(Locale.ROOT, "scale: %d guests x %d queues connected in %.1f s%n", guests, QUEUES,
                    (System.nanoTime() - t0) / 1e9);
            long total = 0;
            long nanos = 0;
            ProcessCounters before = null;
            for (int r = 0; r <= rounds; r++) {
                if (r == 1) {
                    before = ProcessCounters.now();
                }
                long start = System.nanoTime();
                long n = rig.runAll(false, 4096, false, 0, start + (long) (seconds * 1e9), QUEUE_DEPTH);
                long t = System.nanoTime() - start;
                log.printf(Locale.ROOT, "scale: %d guests round %d: %.0f IOPS%s%n", guests, r, n * 1e9 / t,
                        r == 0 ? " (warm-up)" : "");
                if (r > 0) {
                    total += n;
                    nanos += t;
                }
            }
            if (before != null && total > 0) {
                // CPU time and context switches per request: what the machine pays, independent of its load
                log.printf(Locale.ROOT, "scale: %d guests: %s%n", guests, ProcessCounters.now().perRequest(before, total));
            }
            return total * 1e9 / nanos;
        }
    }
}
