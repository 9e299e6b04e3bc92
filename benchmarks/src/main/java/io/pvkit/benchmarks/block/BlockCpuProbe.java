package io.pvkit.benchmarks.block;

import io.pvkit.guest.block.BlockFrontendOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The block figures as CPU time and context switches per request rather than wall-clock rates (which a loaded
 * machine turns into noise): the same jobs as {@link BlockIoBenchmark}, through the whole PV path and straight
 * through {@code FileChannel}, one after the other in one JVM, with {@link ProcessCounters} around each. The
 * ratio printed is FileChannel's CPU per request over pvkit's (1.0: pvkit costs the machine what FileChannel
 * costs). A diagnostic, not part of the report.
 *
 * <pre>java -cp benchmarks.jar io.pvkit.benchmarks.block.BlockCpuProbe [WORKLOAD QD REQUESTS]</pre>
 */
public final class BlockCpuProbe {
    private static final long IMAGE_BYTES = 64L << 20;

    private BlockCpuProbe() {
    }

    /**
     * Runs the probe.
     *
     * @param args workload ({@code rand4k-read} ...), queue depth, requests per measurement
     * @throws IOException when the baseline's image cannot be written
     */
    public static void main(String[] args) throws IOException {
        String workload = args.length > 0 ? args[0] : "rand4k-read";
        int qd = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        long requests = args.length > 2 ? Long.parseLong(args[2]) : 100_000;
        boolean write = workload.endsWith("write");
        boolean seq = workload.startsWith("seq");
        int size = workload.startsWith("seq64k") ? 64 << 10 : 4 << 10;
        BlockFrontendOptions o = new BlockFrontendOptions(4, 1, true, true, Math.max(qd, 1), Duration.ofSeconds(30));
        try (BlockRig rig = BlockRig.start(1, IMAGE_BYTES, false, o, -1)) {
            BenchGuest g = rig.guests().getFirst();
            long next = 0;
            for (int i = 0; i < 3; i++) {   // warm-up: the JIT compiles the path
                BlockJob j = new BlockJob(write, size, seq, requests, 0, qd, next);
                next += requests;
                g.post(j);
                j.await();
            }
            ProcessCounters before = ProcessCounters.now();
            long t0 = System.nanoTime();
            BlockJob j = new BlockJob(write, size, seq, requests, 0, qd, next);
            g.post(j);
            long n = j.await();
            long t = System.nanoTime() - t0;
            ProcessCounters after = ProcessCounters.now();
            System.out.printf(Locale.ROOT, "pvkit       %s qd %d: %d requests, %.0f IOPS, %s, kicks %d sent %d received%n",
                    workload, qd, n, n * 1e9 / t, after.perRequest(before, n), g.stats.notificationsSent(),
                    g.stats.notificationsReceived());
            double pv = (after.cpuNanos() - before.cpuNanos()) / (double) n;
            Path dir = Files.createTempDirectory("pvkit-block-probe");
            try (FileChannelDriver fc = new FileChannelDriver(BlockRig.warmImage(dir.resolve("disk.img"), IMAGE_BYTES), qd)) {
                for (int i = 0; i < 3; i++) {
                    fc.run(new BlockJob(write, size, seq, requests, 0, qd, i * requests));
                }
                ProcessCounters b = ProcessCounters.now();
                long s0 = System.nanoTime();
                long m = fc.run(new BlockJob(write, size, seq, requests, 0, qd, next));
                long s = System.nanoTime() - s0;
                ProcessCounters a = ProcessCounters.now();
                double fcCpu = (a.cpuNanos() - b.cpuNanos()) / (double) m;
                System.out.printf(Locale.ROOT, "FileChannel %s qd %d: %d requests, %.0f IOPS, %s%n", workload, qd, m,
                        m * 1e9 / s, a.perRequest(b, m));
                System.out.printf(Locale.ROOT, "ratio (FileChannel CPU/request over pvkit's) %s qd %d: %.3f; wall IOPS ratio %.3f%n",
                        workload, qd, fcCpu / pv, (n * 1e9 / t) / (m * 1e9 / s));
            } finally {
                Files.deleteIfExists(dir.resolve("disk.img"));
                Files.deleteIfExists(dir);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
