package io.pvkit.guest.block;

import io.pvkit.guest.ConsoleVerbosity;
import io.pvkit.guest.GuestEnvironment;
import io.pvkit.guest.Workload;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;

/**
 * Disk I/O through the guest's first PV block device: each pass writes {@link BlockPattern} blocks over the
 * whole disk (sequential or a random permutation, {@code qd} requests in flight), flushes, reads every block
 * back and compares every byte. The settings come from the command line ({@link BlockWorkloadConfig}); the
 * counters go to {@link io.pvkit.guest.GuestStats#block()}; the pattern of the last verified pass is published
 * there ({@link BlockStats#pattern()}) and on the console ({@code blk: pattern seed=S bs=B blocks=N}), so the
 * disk image can be checked from outside after the run.
 *
 * <p>A mismatch fails the workload (the guest crashes with {@code crash: BlockVerifyException: ...}) after the
 * pass finished reading, so the count of bad blocks is complete. A request error or a backend that breaks
 * the protocol fails it too ({@link BlockDeviceException}).
 *
 * <p>Console: {@code NORMAL} writes {@code blk: <dir> connected: ...}, a progress line at most once per progress
 * interval and the pattern line; {@code QUIET} only the summary
 * {@code blk: P passes, N blocks of B bytes verified, ... MB/s, ... IOPS, p50 X us, p99 Y us, Z notifications/request}.
 */
public final class BlockWorkload implements Workload {
    /** The workload's name. */
    public static final String NAME = "block";
    /** Bytes of caller buffers the workload keeps at most (more queue depth shares them). */
    private static final long BUFFER_BUDGET = 64L << 20;

    /** The block workload (settings from the guest's command line). */
    public BlockWorkload() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Whether the guest should run this workload: {@code pvkit.blk} is {@code on}, or absent while the guest
     * has a {@code device/vbd} entry.
     *
     * @param env the booted guest
     * @return true to run it
     * @throws IllegalArgumentException when a {@code pvkit.blk.*} value is malformed
     */
    public static boolean wanted(GuestEnvironment env) {
        BlockWorkloadConfig config = BlockWorkloadConfig.from(env.commandLine());
        return config.enabled().orElseGet(() -> !devices(env).isEmpty());
    }

    private static List<String> devices(GuestEnvironment env) {
        return env.xenstore().flatMap(c -> env.xenstoreHome().map(h -> BlockFrontend.find(c, h))).orElse(List.of());
    }

    @Override
    public void run(GuestEnvironment env) throws Exception {
        BlockWorkloadConfig config = BlockWorkloadConfig.from(env.commandLine());
        List<String> devices = devices(env);
        if (devices.isEmpty()) {
            throw new IllegalStateException("blk: " + BlockWorkloadConfig.ENABLE + "=on but the guest has no device/vbd"
                    + (env.xenstore().isEmpty() ? " (no xenstore)" : ""));
        }
        BlockStats stats = env.stats().block();
        GuestFrames frames = new GuestFrames(1, env.startInfo().nrPages());
        try (BlockFrontend disk = BlockFrontend.connect(env, devices.getFirst(),
                config.frontendOptions(env.options().connectTimeout()), frames, stats)) {
            BlockFeatures f = disk.features();
            env.log(ConsoleVerbosity.NORMAL, String.format(Locale.ROOT,
                    "blk: %s connected: %d sectors, ring order %d, %d queue(s), indirect %d, persistent %s, flush %s,"
                            + " discard %s; %s", disk.path(), f.sectors(), f.ringPageOrder(), f.queues(),
                    f.maxIndirectSegments(), f.persistent(), f.flush(), f.discard(), config.describe()));
            new Run(env, disk, config, stats).passes();
        }
    }

    /** One run over one device. */
    private static final class Run {
        private final GuestEnvironment env;
        private final BlockFrontend disk;
        private final BlockWorkloadConfig config;
        private final BlockStats stats;
        private final long blocks;
        private final int sectorsPerBlock;
        private final ArrayDeque<MemorySegment> buffers = new ArrayDeque<>();
        private final long intervalNanos;
        private long lastProgress = System.nanoTime();
        private RuntimeException ioFailure;
        private long mismatches;
        private String firstMismatch;

        Run(GuestEnvironment env, BlockFrontend disk, BlockWorkloadConfig config, BlockStats stats) {
            this.env = env;
            this.disk = disk;
            this.config = config;
            this.stats = stats;
            this.blocks = disk.sectors() * 512 / config.blockSize();
            this.sectorsPerBlock = config.blockSize() / 512;
            if (blocks == 0) {
                throw new IllegalStateException("blk: the disk (" + disk.sectors() + " sectors) is smaller than one "
                        + config.blockSize() + "-byte block");
            }
            int n = (int) Math.max(1, Math.min(Math.min(config.queueDepth(), disk.queueDepth() + 1L),
                    BUFFER_BUDGET / config.blockSize()));
            for (int i = 0; i < n; i++) {
                buffers.add(MemorySegment.ofArray(new byte[config.blockSize()]));
            }
            this.intervalNanos = env.options().progressInterval().toNanos();
        }

        void passes() throws BlockVerifyException {
            long done = 0;
            while (true) {
                long seed = config.seed() + done;
                BlockOrder order = config.sequential() ? BlockOrder.sequential(blocks) : BlockOrder.random(blocks, seed);
                phase(true, seed, order, done);
                if (config.flush() && disk.features().flush()) {
                    disk.flush();
                }
                phase(false, seed, order.restart(), done);
                if (mismatches > 0) {
                    throw new BlockVerifyException("blk: pass " + (done + 1) + ": " + mismatches + " of " + blocks
                            + " blocks differ from the pattern written (seed " + seed + ", bs " + config.blockSize()
                            + "); first: " + firstMismatch);
                }
                BlockPattern pattern = new BlockPattern(seed, config.blockSize(), blocks);
                stats.passDone(pattern);
                done++;
                boolean more = config.passes() > 0 ? done < config.passes() : !env.limitReached(done);
                if (!more) {
                    env.log(ConsoleVerbosity.NORMAL, "blk: pattern seed=" + seed + " bs=" + config.blockSize()
                            + " blocks=" + blocks);
                    env.log(ConsoleVerbosity.QUIET, summary(done));
                    return;
                }
            }
        }

        /** Writes (or reads and verifies) every block in {@code order}, {@code qd} in flight. */
        private void phase(boolean write, long seed, BlockOrder order, long pass) {
            long issued = 0;
            while (issued < blocks || disk.outstanding() > 0) {
                if (ioFailure != null) {
                    throw ioFailure;
                }
                if (issued < blocks && !buffers.isEmpty() && disk.outstanding() < config.queueDepth()) {
                    long index = order.next();
                    long lba = index * sectorsPerBlock;
                    MemorySegment buf = buffers.removeFirst();
                    issued++;
                    if (write) {
                        BlockPattern.fill(seed, lba, buf);
                        disk.writeAsync(lba, buf).whenComplete((v, e) -> done(buf, e, "write", lba));
                    } else {
                        disk.readAsync(lba, buf).whenComplete((v, e) -> {
                            if (e == null) {
                                verify(seed, lba, buf, index);
                            }
                            done(buf, e, "read", lba);
                        });
                    }
                    continue;
                }
                disk.awaitCompletions();
                progress(write, issued, pass);
            }
            if (ioFailure != null) {
                throw ioFailure;
            }
        }

        private void done(MemorySegment buf, Throwable e, String what, long lba) {
            buffers.addLast(buf);
            if (e != null && ioFailure == null) {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause() : e;
                ioFailure = cause instanceof BlockDeviceException b ? b
                        : new IllegalStateException("blk: " + what + " at sector " + lba + " failed", cause);
            }
        }

        private void verify(long seed, long lba, MemorySegment buf, long index) {
            long at = BlockPattern.firstMismatch(seed, lba, buf);
            if (at < 0) {
                stats.verified(1, 0);
                return;
            }
            stats.verified(0, 1);
            if (mismatches++ == 0) {
                firstMismatch = "block " + index + " (sector " + lba + "), byte " + at
                        + (BlockPattern.checksumValid(buf) ? " (its checksum is valid: an intact block of other data)"
                        : " (its checksum does not match: torn or foreign data)");
            }
        }

        private void progress(boolean write, long issued, long pass) {
            long now = System.nanoTime();
            if (now - lastProgress < intervalNanos) {
                return;
            }
            lastProgress = now;
            BlockLatency l = stats.latency();
            env.log(ConsoleVerbosity.NORMAL, String.format(Locale.ROOT,
                    "blk: pass %d %s %d/%d blocks, %.1f MB/s, %.0f IOPS, p50 %.1f us, p99 %.1f us, %.2f notifications/request",
                    pass + 1, write ? "writing" : "verifying", issued, blocks, stats.megabytesPerSecond(), stats.iops(),
                    l.p50Nanos() / 1e3, l.p99Nanos() / 1e3, stats.notificationsPerRequest()));
        }

        private String summary(long passes) {
            BlockLatency l = stats.latency();
            return String.format(Locale.ROOT,
                    "blk: %d passes, %d blocks of %d bytes verified, %d requests, %.1f MB/s, %.0f IOPS, p50 %.1f us,"
                            + " p99 %.1f us, %.2f notifications/request",
                    passes, stats.blocksVerified(), config.blockSize(), stats.requests(), stats.megabytesPerSecond(),
                    stats.iops(), l.p50Nanos() / 1e3, l.p99Nanos() / 1e3, stats.notificationsPerRequest());
        }
    }
}
