package io.pvkit.benchmarks.block;

import io.pvkit.guest.block.BlockFrontendOptions;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Notifications per request on a saturated block queue, and what they cost in latency, with and without
 * blkback's poll window, in the same run: two reference guests on one hypervisor, each with one queue (ring
 * order 4) and 32 requests of 4 KiB random reads always in flight; the first guest's queue connects with
 * blkback's window off ({@code pvkit.blkback.pollWindowMicros=0}), the second's with the default window.
 * Rounds alternate between the two. Counted by the guest's blkfront: notifications it sent (kicks of the
 * backend) and received (response events), per request; latency from submit to completion (HdrHistogram).
 *
 * <pre>java -cp benchmarks.jar io.pvkit.benchmarks.block.BlockNotifications [ROUNDS REQUESTS-PER-ROUND]</pre>
 */
public final class BlockNotifications {
    private static final int QUEUE_DEPTH = 32;

    private BlockNotifications() {
    }

    /**
     * Runs the measurement and prints it.
     *
     * @param args optional rounds and requests per round
     */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        long requests = args.length > 1 ? Long.parseLong(args[1]) : 20_000;
        run(rounds, requests, System.out).forEach((k, v) -> System.out.printf(Locale.ROOT, "%s %.4f%n", k, v));
    }

    /**
     * Runs {@code rounds} rounds of {@code requests} requests on each guest.
     *
     * @param rounds rounds per guest (alternating)
     * @param requests requests per round
     * @param log progress
     * @return figures by key: {@code notify.<off|on>.<sentPerRequest|receivedPerRequest|p50us|p99us|iops>}
     */
    public static Map<String, Double> run(int rounds, long requests, PrintStream log) {
        BlockFrontendOptions o = new BlockFrontendOptions(4, 1, true, true, QUEUE_DEPTH, Duration.ofSeconds(10));
        Map<String, Double> out = new LinkedHashMap<>();
        try (BlockRig rig = BlockRig.start(1, 64L << 20, false, o, 0)) {
            BenchGuest off = rig.guests().getFirst();
            BenchGuest on = rig.addGuest(BlockRig.warmImage(rig.image.resolveSibling("on.img"), 64L << 20), false, o, -1);
            Histogram[] lat = {new Histogram(TimeUnit.SECONDS.toNanos(10), 2), new Histogram(TimeUnit.SECONDS.toNanos(10), 2)};
            long[] sent = new long[2];
            long[] received = new long[2];
            long[] done = new long[2];
            long[] nanos = new long[2];
            BenchGuest[] g = {off, on};
            long index = 0;
            for (int r = 0; r < rounds + 1; r++) {   // round 0 warms the JIT and the windows up, unrecorded
                for (int v = 0; v < 2; v++) {
                    long s0 = g[v].stats.notificationsSent();
                    long r0 = g[v].stats.notificationsReceived();
                    g[v].latency.reset();
                    BlockJob j = new BlockJob(false, 4096, false, requests, 0, QUEUE_DEPTH, index);
                    index += requests;
                    long t0 = System.nanoTime();
                    g[v].post(j);
                    long n = j.await();
                    long t = System.nanoTime() - t0;
                    if (r == 0) {
                        continue;
                    }
                    sent[v] += g[v].stats.notificationsSent() - s0;
                    received[v] += g[v].stats.notificationsReceived() - r0;
                    done[v] += n;
                    nanos[v] += t;
                    lat[v].add(g[v].latency);
                    log.printf(Locale.ROOT, "notify round %d window %s: %.0f IOPS, sent %.4f, received %.4f per request%n", r,
                            v == 0 ? "off" : "on", n * 1e9 / t, (g[v].stats.notificationsSent() - s0) / (double) n,
                            (g[v].stats.notificationsReceived() - r0) / (double) n);
                }
            }
            for (int v = 0; v < 2; v++) {
                String k = "notify." + (v == 0 ? "off" : "on") + ".";
                out.put(k + "sentPerRequest", sent[v] / (double) done[v]);
                out.put(k + "receivedPerRequest", received[v] / (double) done[v]);
                out.put(k + "p50us", lat[v].getValueAtPercentile(50) / 1e3);
                out.put(k + "p99us", lat[v].getValueAtPercentile(99) / 1e3);
                out.put(k + "iops", done[v] * 1e9 / nanos[v]);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }
}
