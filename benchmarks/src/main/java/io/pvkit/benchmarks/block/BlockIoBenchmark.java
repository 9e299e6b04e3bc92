package io.pvkit.benchmarks.block;

import io.pvkit.guest.block.BlockFrontendOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Issue 14's block figures: requests per second through the whole PV path (the reference guest's blkfront, the
 * blkif ring, domain 0's blkback and the image file, in one process on the reference hypervisor) against the
 * same requests on the same blocks of the same file straight through {@link java.nio.channels.FileChannel}, at
 * the same queue depth, in the same run, with the page cache warm (the image is written and read at setup).
 *
 * <p>Workloads: {@code rand4k-read}, {@code seq64k-read}, {@code rand4k-write}, {@code seq64k-write} (writes
 * with flush off: neither side forces). The frontend asks for what Linux's blkfront asks for from pvkit's
 * blkback: one queue here (the scale benchmark uses four), ring order 4, indirect segments and persistent
 * grants ({@code persistent=false} measures the grant-copy path). Score: requests per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@OperationsPerInvocation(BlockIoBenchmark.OPS)
public class BlockIoBenchmark {
    /** Requests per benchmark invocation. */
    static final int OPS = 512;
    private static final long IMAGE_BYTES = 64L << 20;
    /** Jobs of {@value #OPS} requests run at setup, before JMH's own warm-up. */
    private static final int WARM_UP_JOBS = 60;

    /** The request mix. */
    @Param({"rand4k-read", "seq64k-read", "rand4k-write", "seq64k-write"})
    public String workload;

    /** Requests in flight. */
    @Param({"1", "32"})
    public int qd;

    /** Whether the frontend offers persistent grants (false: every page moves by GNTTABOP_copy). */
    @Param({"true"})
    public boolean persistent;

    private long next;

    /** Creates the benchmark state. */
    public BlockIoBenchmark() {
    }

    boolean write() {
        return workload.endsWith("write");
    }

    int blockSize() {
        return workload.startsWith("seq64k") ? 64 << 10 : 4 << 10;
    }

    boolean sequential() {
        return workload.startsWith("seq");
    }

    BlockJob job() {
        BlockJob j = new BlockJob(write(), blockSize(), sequential(), OPS, 0, qd, next);
        next += OPS;
        return j;
    }

    /** One reference guest whose disk is the image. */
    @State(Scope.Benchmark)
    public static class Pvkit {
        BlockRig rig;
        BenchGuest guest;

        /** Creates the state. */
        public Pvkit() {
        }

        /**
         * Boots the hypervisor and the guest.
         *
         * @param b the parameters
         */
        @Setup(Level.Trial)
        public void start(BlockIoBenchmark b) {
            BlockFrontendOptions o = new BlockFrontendOptions(4, 1, true, b.persistent, Math.max(b.qd, 1),
                    Duration.ofSeconds(10));
            rig = BlockRig.start(1, IMAGE_BYTES, false, o, -1);
            guest = rig.guests().getFirst();
            // the whole path (blkfront, rings, hypervisor, blkback) must be compiled before JMH's short warm-up
            // iterations start: interpreted, a request costs tens of microseconds and the JIT, starved on a loaded
            // machine, would never catch up within the quick settings
            for (int i = 0; i < WARM_UP_JOBS; i++) {
                BlockJob j = b.job();
                guest.post(j);
                j.await();
            }
        }

        /** Stops everything. */
        @TearDown(Level.Trial)
        public void stop() {
            rig.close();
        }
    }

    /** The same image through FileChannel. */
    @State(Scope.Benchmark)
    public static class Direct {
        FileChannelDriver driver;
        java.nio.file.Path dir;

        /** Creates the state. */
        public Direct() {
        }

        /**
         * Writes and warms the image.
         *
         * @param b the parameters
         * @throws java.io.IOException when the temporary image cannot be written
         */
        @Setup(Level.Trial)
        public void start(BlockIoBenchmark b) throws java.io.IOException {
            dir = java.nio.file.Files.createTempDirectory("pvkit-block-fc");
            driver = new FileChannelDriver(BlockRig.warmImage(dir.resolve("disk.img"), IMAGE_BYTES), b.qd);
            for (int i = 0; i < WARM_UP_JOBS; i++) {   // the same warm-up as the pvkit side
                driver.run(b.job());
            }
        }

        /**
         * Closes the channel and removes the image.
         *
         * @throws java.io.IOException when the image cannot be removed
         */
        @TearDown(Level.Trial)
        public void stop() throws java.io.IOException {
            driver.close();
            java.nio.file.Files.deleteIfExists(dir.resolve("disk.img"));
            java.nio.file.Files.deleteIfExists(dir);
        }
    }

    /**
     * {@value #OPS} requests through blkfront, the ring, blkback and the file.
     *
     * @param s the guest
     * @return requests completed
     */
    @Benchmark
    public long pvkit(Pvkit s) {
        BlockJob j = job();
        s.guest.post(j);
        return j.await();
    }

    /**
     * The same {@value #OPS} requests straight through {@code FileChannel}.
     *
     * @param s the channel
     * @return requests completed
     */
    @Benchmark
    public long fileChannel(Direct s) {
        return s.driver.run(job());
    }
}
