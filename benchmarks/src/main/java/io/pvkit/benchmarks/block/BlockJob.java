package io.pvkit.benchmarks.block;

import java.util.concurrent.CountDownLatch;

/**
 * One batch of block I/O for a benchmark guest (or the {@code FileChannel} baseline): {@code count} requests
 * (or as many as fit before {@code untilNanos} when {@code count} is 0) of {@code blockSize} bytes,
 * {@code queueDepth} in flight, at the blocks {@link BlockSequence} names from {@code firstIndex} on.
 */
final class BlockJob {
    final boolean write;
    final int blockSize;
    final boolean sequential;
    final long count;
    final long untilNanos;
    final int queueDepth;
    final long firstIndex;
    final CountDownLatch done = new CountDownLatch(1);
    /** Requests completed (written by the guest before {@link #done} counts down). */
    volatile long completed;
    /** The first failure, or null. */
    volatile Throwable failure;

    BlockJob(boolean write, int blockSize, boolean sequential, long count, long untilNanos, int queueDepth, long firstIndex) {
        this.write = write;
        this.blockSize = blockSize;
        this.sequential = sequential;
        this.count = count;
        this.untilNanos = untilNanos;
        this.queueDepth = queueDepth;
        this.firstIndex = firstIndex;
    }

    /** Whether request number {@code issued} (0-based) belongs to the job. */
    boolean more(long issued) {
        return count > 0 ? issued < count : System.nanoTime() - untilNanos < 0;
    }

    /** Waits for the guest and rethrows its failure. */
    long await() {
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (failure != null) {
            throw new IllegalStateException("block job failed: " + failure, failure);
        }
        return completed;
    }
}
