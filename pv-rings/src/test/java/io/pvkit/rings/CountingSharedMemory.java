package io.pvkit.rings;

import io.pvkit.rings.spi.SharedMemory;

import java.lang.foreign.MemorySegment;
import java.util.function.IntUnaryOperator;

/**
 * Real shared memory with a recorder in front: counts reads of each byte and each index word, and can
 * rewrite the shared page right after a slot has been copied (a peer racing the copy).
 */
final class CountingSharedMemory implements SharedMemory {
    private final SharedMemory real;
    private final MemorySegment segment;
    final int[] byteReads;
    final int[] wordReads;
    Runnable afterCopyOut = () -> { };
    IntUnaryOperator indexOverride;
    long overrideOffset = -1;

    CountingSharedMemory(MemorySegment segment) {
        this.real = SharedMemory.of(segment);
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
    public long byteSize() {
        return real.byteSize();
    }

    @Override
    public int getIntAcquire(long offset) {
        return word(offset, real.getIntAcquire(offset));
    }

    @Override
    public int getIntVolatile(long offset) {
        return word(offset, real.getIntVolatile(offset));
    }

    @Override
    public void setIntRelease(long offset, int value) {
        real.setIntRelease(offset, value);
    }

    @Override
    public void setIntVolatile(long offset, int value) {
        real.setIntVolatile(offset, value);
    }

    @Override
    public void copyOut(long offset, MemorySegment destination, long destinationOffset, long length) {
        for (long i = offset; i < offset + length; i++) {
            byteReads[(int) i]++;
        }
        real.copyOut(offset, destination, destinationOffset, length);
        afterCopyOut.run();
    }

    @Override
    public void copyIn(MemorySegment source, long sourceOffset, long offset, long length) {
        real.copyIn(source, sourceOffset, offset, length);
    }

    @Override
    public void zero(long offset, long length) {
        real.zero(offset, length);
    }
}
