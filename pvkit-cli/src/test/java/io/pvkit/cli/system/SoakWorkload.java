package io.pvkit.cli.system;

import io.pvkit.guest.GuestEnvironment;
import io.pvkit.guest.Workload;
import io.pvkit.guest.block.BlockFeatures;
import io.pvkit.guest.block.BlockFrontend;
import io.pvkit.guest.block.BlockFrontendOptions;
import io.pvkit.guest.block.BlockStats;
import io.pvkit.guest.block.GuestFrames;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak test's guest workload: until its deadline, a random mix of {@link SectorStamp}ed writes (1..4 blocks),
 * reads that verify every byte against what this guest last wrote there, and flushes, with many requests in
 * flight spread over several blkif queues; then one read of the whole disk, verified. Every request has a number;
 * its completion is counted once, and a second completion of the same number is counted as a duplicate. The
 * model of the disk ({@link #model()}: the generation each block was last written with) lets the test check the
 * image file afterwards.
 */
final class SoakWorkload implements Workload {
    private final AtomicLong deadlineNanos;
    private final int queues;
    private final int queueDepth;
    private final long seed;
    /** Requests issued, answered, answered twice, failed; blocks verified, mismatching; flushes. */
    final AtomicLong issued = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong blocksVerified = new AtomicLong();
    final AtomicLong mismatches = new AtomicLong();
    final AtomicLong flushes = new AtomicLong();
    private volatile long[] model;
    private volatile BlockFeatures features;
    private volatile String firstMismatch;

    SoakWorkload(AtomicLong deadlineNanos, int queues, int queueDepth, long seed) {
        this.deadlineNanos = deadlineNanos;
        this.queues = queues;
        this.queueDepth = queueDepth;
        this.seed = seed;
    }

    @Override
    public String name() {
        return "soak";
    }

    long[] model() {
        return model;
    }

    BlockFeatures features() {
        return features;
    }

    String firstMismatch() {
        return firstMismatch;
    }

    @Override
    public void run(GuestEnvironment env) throws Exception {
        String device = BlockFrontend.find(env.xenstore().orElseThrow(), env.xenstoreHome().orElseThrow()).getFirst();
        BlockFrontendOptions options = new BlockFrontendOptions(2, queues, true, true, queueDepth, Duration.ofSeconds(20));
        try (BlockFrontend disk = BlockFrontend.connect(env, device, options, new GuestFrames(1, env.startInfo().nrPages()),
                new BlockStats())) {
            features = disk.features();
            long blocks = disk.sectors() * SectorStamp.SECTOR / StampWorkload.BLOCK;
            long[] gens = new long[(int) blocks];   // what each block holds: 0 = the initial fill
            new Run(disk, gens).go();
            model = gens;
        }
    }

    /** One run over the disk, on the guest's vCPU (completions run there too). */
    private final class Run {
        private final BlockFrontend disk;
        private final long[] gens;
        private final BitSet busy = new BitSet();
        private final BitSet done = new BitSet();
        private final ArrayDeque<MemorySegment> free = new ArrayDeque<>();
        private final SplittableRandom random = new SplittableRandom(seed);
        private long nextGen = 1;
        private int nextId;

        Run(BlockFrontend disk, long[] gens) {
            this.disk = disk;
            this.gens = gens;
            for (int i = 0; i < queueDepth; i++) {
                free.add(MemorySegment.ofArray(new byte[StampWorkload.MAX_RUN * StampWorkload.BLOCK]));
            }
        }

        void go() {
            while (System.nanoTime() - deadlineNanos.get() < 0) {
                if (free.isEmpty()) {
                    disk.awaitCompletions();
                    continue;
                }
                int dice = random.nextInt(100);
                if (dice == 0) {
                    CompletableFuture<Void> f = disk.flushAsync();
                    track(f, () -> flushes.incrementAndGet(), null);
                    continue;
                }
                int first = random.nextInt(gens.length);
                int count = Math.min(1 + random.nextInt(StampWorkload.MAX_RUN), gens.length - first);
                if (busy.nextSetBit(first) >= 0 && busy.nextSetBit(first) < first + count) {
                    disk.awaitCompletions();
                    continue;
                }
                if (dice < 50) {
                    write(first, count);
                } else {
                    read(first, count);
                }
            }
            while (disk.outstanding() > 0) {
                disk.awaitCompletions();
            }
            for (int b = 0; b < gens.length; b += StampWorkload.MAX_RUN) {   // the whole disk, verified
                while (free.isEmpty()) {
                    disk.awaitCompletions();
                }
                read(b, Math.min(StampWorkload.MAX_RUN, gens.length - b));
            }
            while (disk.outstanding() > 0) {
                disk.awaitCompletions();
            }
        }

        private void write(int first, int count) {
            long gen = nextGen++;
            MemorySegment buf = free.pop();
            MemorySegment part = buf.asSlice(0, (long) count * StampWorkload.BLOCK);
            long sector = (long) first * (StampWorkload.BLOCK / SectorStamp.SECTOR);
            SectorStamp.fill(sector, gen, part);
            busy.set(first, first + count);
            track(disk.writeAsync(sector, part), () -> Arrays.fill(gens, first, first + count, gen), () -> {
                busy.clear(first, first + count);
                free.push(buf);
            });
        }

        private void read(int first, int count) {
            MemorySegment buf = free.pop();
            MemorySegment part = buf.asSlice(0, (long) count * StampWorkload.BLOCK);
            long sector = (long) first * (StampWorkload.BLOCK / SectorStamp.SECTOR);
            busy.set(first, first + count);
            track(disk.readAsync(sector, part), () -> {
                long[] got = SectorStamp.generations(sector, part);
                for (int i = 0; i < got.length; i++) {
                    long want = gens[first + i / (StampWorkload.BLOCK / SectorStamp.SECTOR)];
                    if (got[i] != want && mismatches.getAndIncrement() == 0) {
                        firstMismatch = "sector " + (sector + i) + " holds generation " + got[i] + ", wrote " + want;
                    }
                }
                blocksVerified.addAndGet(count);
            }, () -> {
                busy.clear(first, first + count);
                free.push(buf);
            });
        }

        private void track(CompletableFuture<Void> f, Runnable onOk, Runnable always) {
            int id = nextId++;
            issued.incrementAndGet();
            f.whenComplete((v, e) -> {
                if (done.get(id)) {
                    duplicates.incrementAndGet();
                    return;
                }
                done.set(id);
                answered.incrementAndGet();
                if (e != null) {
                    errors.incrementAndGet();
                } else {
                    onOk.run();
                }
                if (always != null) {
                    always.run();
                }
            });
        }
    }
}
