package io.pvkit.rings;

import io.pvkit.abi.memory.ForwardingMemoryAccess;
import io.pvkit.abi.memory.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.util.function.IntUnaryOperator;

/**
 * Real shared memory with a recorder in front: counts reads of each byte and each index word, and can
 * rewrite the shared page right after a slot has been copied (a peer racing the copy).
 */
final class CountingSharedMemory extends ForwardingMemoryAccess {
    private final MemorySegment segment;
    final int[] byteReads;
    final int[] wordReads;
    Runnable afterCopyOut = () -> { };
    IntUnaryOperator indexOverride;
    long overrideOffset = -1;

    CountingSharedMemory(MemorySegment segment) {
        super(GuestMemory.wrap(segment));
        this.segment = segment;
        this.byteReads = new int[(int) segment.byteSize()];
        this.wordReads = new int[(int) segment.byteSize() / 4];
    }

    MemorySegment segment() {
        return segment;
    }

    private int word(long offset, int value) {
        wordReads[(int) (offset / 4)]++;
        if (offset == overrideOffset && indexOverride != null) {
            return indexOverride.applyAsInt(value);
        }
        return value;
    }

    @Override
    public int getIntAcquire(long offset) {
        return word(offset, delegate().getIntAcquire(offset));
    }

    @Override
    public int getIntVolatile(long offset) {
        return word(offset, delegate().getIntVolatile(offset));
    }

    @Override
    public int getInt(long offset) {
        return word(offset, delegate().getInt(offset));
    }

    @Override
    public void read(long offset, byte[] destination, int destinationOffset, int length) {
        for (long i = offset; i < offset + length; i++) {
            byteReads[(int) i]++;
        }
        delegate().read(offset, destination, destinationOffset, length);
        afterCopyOut.run();
    }
}
