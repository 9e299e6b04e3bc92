package io.pvkit.cli.system;

import io.pvkit.guest.GuestEnvironment;
import io.pvkit.guest.Workload;
import io.pvkit.guest.block.BlockFrontend;
import io.pvkit.guest.block.BlockFrontendOptions;
import io.pvkit.guest.block.BlockStats;
import io.pvkit.guest.block.GuestFrames;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A guest workload for the durability test: through the guest's first PV disk (blkfront, then domain 0's
 * blkback), optionally reads every block and reports what it holds, then writes {@link SectorStamp}ed blocks
 * and reports every write as it is issued and as it is acknowledged (its response received).
 *
 * <p>Lines given to the sink (one per event, in the order they happen on the guest's vCPU):
 * <ul>
 *   <li>{@code R <block> <gen>} or {@code R <block> <g0>,<g1>,...} (one per sector when they differ): what block
 *   {@code block} read back as ({@link SectorStamp#CORRUPT} = -1 for a sector no write put there intact);
 *   {@code READ <blocks>} after the last;</li>
 *   <li>{@code I <gen> <block> <count>}: write {@code gen} of blocks {@code [block, block+count)} is about to be
 *   submitted;</li>
 *   <li>{@code A <gen>}: its response arrived, status OK (the acknowledgement);</li>
 *   <li>{@code F <gen>}: a FLUSH_DISKCACHE issued after write {@code gen} (and every write before it) was
 *   acknowledged has itself been acknowledged;</li>
 *   <li>{@code DONE <writes>} when the write budget ran out.</li>
 * </ul>
 * Two writes in flight never overlap (a block is written again only after its previous write was answered), so
 * the writes to one block are totally ordered by their generations.
 */
final class StampWorkload implements Workload {
    /** Block size of the workload: one 4 KiB page, 8 sectors. */
    static final int BLOCK = 4096;
    /** Most blocks one write covers. */
    static final int MAX_RUN = 4;

    /**
     * What to do.
     *
     * @param readFirst read and report every block before writing
     * @param firstGen the generation of the first write (greater than any earlier run's)
     * @param maxWrites writes to issue (0: read only)
     * @param flushEvery flush after each batch of this many acknowledged writes (0: never flush)
     * @param queueDepth requests in flight
     * @param queues blkif queues asked for
     * @param seed the write order's seed
     * @param writeBlocks the writes touch only blocks {@code [0, writeBlocks)} (0: the whole disk)
     */
    record Plan(boolean readFirst, long firstGen, long maxWrites, int flushEvery, int queueDepth, int queues, long seed,
                long writeBlocks) {
    }

    private final Plan plan;
    private final Consumer<String> sink;

    StampWorkload(Plan plan, Consumer<String> sink) {
        this.plan = plan;
        this.sink = sink;
    }

    @Override
    public String name() {
        return "stamp";
    }

    @Override
    public void run(GuestEnvironment env) throws Exception {
        List<String> devices = BlockFrontend.find(env.xenstore().orElseThrow(), env.xenstoreHome().orElseThrow());
        GuestFrames frames = new GuestFrames(1, env.startInfo().nrPages());
        BlockFrontendOptions options = new BlockFrontendOptions(2, plan.queues(), true, true, plan.queueDepth(),
                Duration.ofSeconds(20));
        try (BlockFrontend disk = BlockFrontend.connect(env, devices.getFirst(), options, frames, new BlockStats())) {
            long blocks = disk.sectors() * SectorStamp.SECTOR / BLOCK;
            if (plan.readFirst()) {
                readAll(disk, blocks);
            }
            if (plan.maxWrites() > 0) {
                write(disk, plan.writeBlocks() > 0 ? Math.min(blocks, plan.writeBlocks()) : blocks);
            }
        }
    }

    private void readAll(BlockFrontend disk, long blocks) {
        ArrayDeque<MemorySegment> free = buffers(Math.max(1, plan.queueDepth()), BLOCK);
        RuntimeException[] failure = new RuntimeException[1];
        long next = 0;
        while (next < blocks || disk.outstanding() > 0) {
            if (failure[0] != null) {
                throw failure[0];
            }
            if (next < blocks && !free.isEmpty()) {
                long b = next++;
                MemorySegment buf = free.pop();
                disk.readAsync(b * (BLOCK / SectorStamp.SECTOR), buf).whenComplete((v, e) -> {
                    if (e != null) {
                        failure[0] = new IllegalStateException("read of block " + b + " failed", e);
                    } else {
                        sink.accept("R " + b + " " + describe(SectorStamp.generations(b * (BLOCK / SectorStamp.SECTOR), buf)));
                    }
                    free.push(buf);
                });
                continue;
            }
            disk.awaitCompletions();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        sink.accept("READ " + blocks);
    }

    static String describe(long[] gens) {
        boolean uniform = true;
        for (long g : gens) {
            uniform &= g == gens[0];
        }
        if (uniform) {
            return Long.toString(gens[0]);
        }
        StringBuilder s = new StringBuilder();
        for (long g : gens) {
            s.append(s.isEmpty() ? "" : ",").append(g);
        }
        return s.toString();
    }

    private void write(BlockFrontend disk, long blocks) {
        ArrayDeque<MemorySegment> free = buffers(plan.queueDepth(), (long) MAX_RUN * BLOCK);
        Set<Long> busy = new HashSet<>();
        RuntimeException[] failure = new RuntimeException[1];
        SplittableRandom random = new SplittableRandom(plan.seed());
        long gen = plan.firstGen();
        long end = plan.firstGen() + plan.maxWrites();
        int batch = 0;
        while (gen < end || disk.outstanding() > 0) {
            if (failure[0] != null) {
                throw failure[0];
            }
            if (plan.flushEvery() > 0 && (batch == plan.flushEvery() || gen == end)) {
                while (disk.outstanding() > 0) {
                    disk.awaitCompletions();
                }
                if (failure[0] != null) {
                    throw failure[0];
                }
                if (batch > 0) {
                    disk.await(disk.flushAsync());
                    sink.accept("F " + (gen - 1));
                }
                batch = 0;
                if (gen == end) {
                    break;
                }
                continue;
            }
            if (gen < end && !free.isEmpty()) {
                long first = random.nextLong(blocks);
                int count = (int) Math.min(1 + random.nextInt(MAX_RUN), blocks - first);
                boolean overlaps = false;
                for (long b = first; b < first + count; b++) {
                    overlaps |= busy.contains(b);
                }
                if (!overlaps) {
                    long g = gen++;
                    batch++;
                    MemorySegment buf = free.pop().asSlice(0, (long) count * BLOCK);
                    long sector = first * (BLOCK / SectorStamp.SECTOR);
                    SectorStamp.fill(sector, g, buf);
                    for (long b = first; b < first + count; b++) {
                        busy.add(b);
                    }
                    sink.accept("I " + g + " " + first + " " + count);
                    disk.writeAsync(sector, buf).whenComplete((v, e) -> {
                        for (long b = first; b < first + count; b++) {
                            busy.remove(b);
                        }
                        free.push(MemorySegment.ofArray((byte[]) buf.heapBase().orElseThrow()));
                        if (e != null) {
                            failure[0] = new IllegalStateException("write " + g + " failed", e);
                        } else {
                            sink.accept("A " + g);
                        }
                    });
                    continue;
                }
            }
            disk.awaitCompletions();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        sink.accept("DONE " + (gen - plan.firstGen()));
    }

    private static ArrayDeque<MemorySegment> buffers(int n, long size) {
        ArrayDeque<MemorySegment> d = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            d.add(MemorySegment.ofArray(new byte[(int) size]));
        }
        return d;
    }
}
