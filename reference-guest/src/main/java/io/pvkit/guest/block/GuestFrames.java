package io.pvkit.guest.block;

import io.pvkit.abi.memory.GuestMemory;

import java.util.BitSet;

/**
 * A first-fit allocator of the guest's own free frames (a workload's {@code [1, nr_pages)}), from which
 * the block frontend takes its ring pages (contiguous runs of {@code 2^ring-page-order}), its indirect
 * pages and its data (bounce) pages.
 *
 * <p>Not thread-safe: the guest's vCPU thread only.
 */
public final class GuestFrames {
    private final long first;
    private final long end;
    private final BitSet used;

    /**
     * An allocator over frames {@code [first, end)}.
     *
     * @param first the first free frame (at least 1: frame 0 is the hypercall scratch area)
     * @param end one past the last free frame
     * @throws IllegalArgumentException when the range is empty, starts at 0 or is too large
     */
    public GuestFrames(long first, long end) {
        if (first < 1 || end <= first || end - first > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("frames [" + first + ", " + end + ") are not a valid free range");
        }
        this.first = first;
        this.end = end;
        this.used = new BitSet((int) (end - first));
    }

    /**
     * Allocates {@code count} contiguous frames.
     *
     * @param count how many, at least 1
     * @return the first frame of the run, or -1 when no run of that length is free
     */
    public long allocate(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive, got " + count);
        }
        int size = (int) (end - first);
        int start = used.nextClearBit(0);
        while (start + count <= size) {
            int busy = used.nextSetBit(start);
            if (busy < 0 || busy >= start + count) {
                used.set(start, start + count);
                return first + start;
            }
            start = used.nextClearBit(busy);
        }
        return -1;
    }

    /**
     * Returns frames to the allocator.
     *
     * @param frame the first frame of a run {@link #allocate(int)} returned
     * @param count the run's length
     * @throws IllegalArgumentException when the run is outside the range or not allocated
     */
    public void free(long frame, int count) {
        if (frame < first || frame + count > end || count < 1) {
            throw new IllegalArgumentException("frames [" + frame + ", " + (frame + count) + ") are outside ["
                    + first + ", " + end + ")");
        }
        int from = (int) (frame - first);
        if (used.nextClearBit(from) < from + count) {
            throw new IllegalArgumentException("frames [" + frame + ", " + (frame + count) + ") are not all allocated");
        }
        used.clear(from, from + count);
    }

    /**
     * Frames still free.
     *
     * @return the count
     */
    public int available() {
        return (int) (end - first) - used.cardinality();
    }

    /**
     * The guest-physical address of a frame.
     *
     * @param frame a frame number
     * @return {@code frame * 4096}
     */
    public static long gpa(long frame) {
        return GuestMemory.gpaOf(frame);
    }

    @Override
    public String toString() {
        return "GuestFrames[" + first + ".." + end + ", " + available() + " free]";
    }
}
