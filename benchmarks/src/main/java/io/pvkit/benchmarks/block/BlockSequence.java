package io.pvkit.benchmarks.block;

/**
 * Which block the {@code i}-th request of a benchmark touches: sequential ({@code i mod blocks}) or random
 * (a SplitMix64 hash of {@code i}, uniform over the disk). The pvkit guest and the {@code FileChannel}
 * baseline use the same function, so they touch the same blocks.
 */
final class BlockSequence {
    private BlockSequence() {
    }

    static long block(boolean sequential, long i, long blocks) {
        if (sequential) {
            return Long.remainderUnsigned(i, blocks);
        }
        long z = i * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return Long.remainderUnsigned(z, blocks);
    }
}
