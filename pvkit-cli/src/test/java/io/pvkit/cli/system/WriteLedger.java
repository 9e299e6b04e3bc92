package io.pvkit.cli.system;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a durability test knows about one disk: every write a guest reported issuing ({@code I gen block count})
 * and acknowledged ({@code A gen}), and every acknowledged flush ({@code F gen}), over all the hypervisor
 * processes that served it. It judges what a read of the disk may hold: every sector of block {@code b} must
 * hold the latest acknowledged write covering {@code b} (generation 0, the initial fill, when there is none) or a
 * write to {@code b} issued after it (in flight, maybe landed, when the hypervisor died). Anything else is a
 * lost acknowledged write or corruption.
 */
final class WriteLedger {
    private final int sectorsPerBlock;
    private final long[] lastAcked;                       // per block: the latest acknowledged generation, 0 = none
    private final List<List<Long>> issued;                // per block: every generation issued to it, in order
    private final Map<Long, long[]> writes = new HashMap<>();   // gen -> {first block, count}
    private final List<Long> acked = new ArrayList<>();
    private long issuedCount;
    private long ackedCount;
    private long flushes;
    private long lastFlushedGen;

    WriteLedger(long blocks, int sectorsPerBlock) {
        this.sectorsPerBlock = sectorsPerBlock;
        this.lastAcked = new long[(int) blocks];
        this.issued = new ArrayList<>();
        for (int i = 0; i < blocks; i++) {
            issued.add(new ArrayList<>());
        }
    }

    /** Takes one workload line ({@code I}, {@code A}, {@code F}); other lines are ignored. */
    void record(String line) {
        String[] w = line.split(" ");
        switch (w[0]) {
            case "I" -> {
                long gen = Long.parseLong(w[1]);
                long first = Long.parseLong(w[2]);
                long count = Long.parseLong(w[3]);
                writes.put(gen, new long[] {first, count});
                for (long b = first; b < first + count; b++) {
                    issued.get((int) b).add(gen);
                }
                issuedCount++;
            }
            case "A" -> {
                long gen = Long.parseLong(w[1]);
                long[] wr = writes.get(gen);
                if (wr == null) {
                    throw new AssertionError("acknowledged write " + gen + " was never issued");
                }
                for (long b = wr[0]; b < wr[0] + wr[1]; b++) {
                    if (gen < lastAcked[(int) b]) {
                        throw new AssertionError("write " + gen + " acknowledged after a later write " + lastAcked[(int) b]
                                + " to block " + b + ": the workload overlapped writes");
                    }
                    lastAcked[(int) b] = gen;
                }
                ackedCount++;
                acked.add(gen);
            }
            case "F" -> {
                flushes++;
                lastFlushedGen = Long.parseLong(w[1]);
            }
            default -> {
            }
        }
    }

    long issuedTotal() {
        return issuedCount;
    }

    long ackedCount() {
        return ackedCount;
    }

    long unacked() {
        return issuedCount - ackedCount;
    }

    long flushes() {
        return flushes;
    }

    long lastFlushedGen() {
        return lastFlushedGen;
    }

    /**
     * The acknowledged writes whose data is on the disk: every sector they wrote holds their generation or a later
     * write's (one issued to that block after them).
     *
     * @param sectorGens the generation of every sector of the disk
     * @return how many of the acknowledged writes are found
     */
    long acknowledgedFound(long[] sectorGens) {
        long found = 0;
        for (long gen : acked) {
            long[] wr = writes.get(gen);
            boolean ok = true;
            for (long b = wr[0]; b < wr[0] + wr[1]; b++) {
                for (int s = 0; s < sectorsPerBlock; s++) {
                    long g = sectorGens[(int) b * sectorsPerBlock + s];
                    ok &= g == gen || (g > gen && issued.get((int) b).contains(g));
                }
            }
            found += ok ? 1 : 0;
        }
        return found;
    }

    /** What {@link #judge} found. */
    record Verdict(long sectors, long mismatches, String firstMismatch, long blocksAtLatestAck, long blocksPastLatestAck,
                   long tornBlocks, long blocksNeverWritten) {
        boolean ok() {
            return mismatches == 0;
        }
    }

    /** Judges the generations of every sector of the disk (one entry per sector, as read). */
    Verdict judge(long[] sectorGens) {
        long mismatches = 0;
        String first = null;
        long atAck = 0;
        long past = 0;
        long torn = 0;
        long never = 0;
        for (int b = 0; b < lastAcked.length; b++) {
            long acked = lastAcked[b];
            boolean anyPast = false;
            boolean mixed = false;
            for (int s = 0; s < sectorsPerBlock; s++) {
                long g = sectorGens[b * sectorsPerBlock + s];
                mixed |= g != sectorGens[b * sectorsPerBlock];
                boolean valid = g == acked || (g > acked && issued.get(b).contains(g));
                if (!valid) {
                    if (mismatches++ == 0) {
                        first = "block " + b + " sector " + (b * sectorsPerBlock + s) + " holds generation " + g
                                + (g == SectorStamp.CORRUPT ? " (not an intact stamp)" : "")
                                + ", the latest acknowledged write is " + acked + ", issued later: "
                                + issued.get(b).stream().filter(x -> x > acked).toList();
                    }
                }
                anyPast |= g > acked;
            }
            if (mixed) {
                torn++;
            }
            if (anyPast) {
                past++;
            } else {
                atAck++;
            }
            if (issued.get(b).isEmpty()) {
                never++;
            }
        }
        return new Verdict(sectorGens.length, mismatches, first, atAck, past, torn, never);
    }
}
