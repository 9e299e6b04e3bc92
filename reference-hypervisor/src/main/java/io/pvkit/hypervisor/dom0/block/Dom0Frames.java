package io.pvkit.hypervisor.dom0.block;

import java.util.BitSet;

/**
 * Domain 0's own frames that the block backend hands to its workers (scratch page for hypercall arguments,
 * indirect-segment page, data buffer): a first-fit allocator of runs of consecutive frames in
 * {@code [first, limit)}. Used on domain 0's vCPU only (workers receive their frames at start and give
 * them back when the device disconnects).
 */
final class Dom0Frames {
    private final long first;
    private final BitSet used;
    private final int count;

    /**
     * @param first the first frame the backend may use
     * @param limit one past the last
     */
    Dom0Frames(long first, long limit) {
        this.first = first;
        this.count = (int) Math.max(0, limit - first);
        this.used = new BitSet(count);
    }

    /**
     * @param n the number of consecutive frames
     * @return the first frame of the run, or -1 when no run of {@code n} frames is free
     */
    long allocate(int n) {
        int start = 0;
        while (start + n <= count) {
            int busy = used.nextSetBit(start);
            if (busy < 0 || busy >= start + n) {
                used.set(start, start + n);
                return first + start;
            }
            start = busy + 1;
        }
        return -1;
    }

    void free(long frame, int n) {
        used.clear((int) (frame - first), (int) (frame - first) + n);
    }

    int inUse() {
        return used.cardinality();
    }

    /** All frames of the allocator, free or not. */
    int capacity() {
        return count;
    }
}
