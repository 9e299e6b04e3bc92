package io.pvkit.guest.block;

/**
 * The order in which a pass visits the blocks {@code 0 .. blocks-1}: sequential, or a pseudo-random permutation
 * (a full-period linear congruential generator modulo the next power of two, skipping values past the end:
 * every block exactly once, no table).
 */
final class BlockOrder {
    private final long blocks;
    private final long mask;
    private final long multiplier;
    private final long increment;
    private final long start;
    private long state;
    private long visited;

    private BlockOrder(long blocks, long mask, long multiplier, long increment, long start) {
        this.blocks = blocks;
        this.mask = mask;
        this.multiplier = multiplier;
        this.increment = increment;
        this.start = start;
        this.state = start;
    }

    static BlockOrder sequential(long blocks) {
        return new BlockOrder(blocks, 0, 1, 1, 0);
    }

    static BlockOrder random(long blocks, long seed) {
        long m = Long.highestOneBit(Math.max(1, blocks - 1)) << 1;
        // Hull-Dobell: c odd, a = 1 mod 4 gives the full period m for a power-of-two m
        long a = ((seed * 0x9E3779B97F4A7C15L) & ~3L) | 1;
        long c = (seed >>> 17) | 1;
        return new BlockOrder(blocks, m - 1, a, c, (seed * 31) & (m - 1));
    }

    /** The same order from its beginning. */
    BlockOrder restart() {
        return new BlockOrder(blocks, mask, multiplier, increment, start);
    }

    /** The next block; call at most {@code blocks} times. */
    long next() {
        if (visited++ >= blocks) {
            throw new IllegalStateException("all " + blocks + " blocks visited");
        }
        if (mask == 0) {
            return visited - 1;
        }
        long v;
        do {
            v = state;
            state = (state * multiplier + increment) & mask;
        } while (v >= blocks);
        return v;
    }
}
