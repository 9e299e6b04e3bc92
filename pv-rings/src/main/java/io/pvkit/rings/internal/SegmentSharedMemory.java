package io.pvkit.rings.internal;

import io.pvkit.rings.spi.SharedMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/** {@link SharedMemory} over a real {@link MemorySegment}; bounds-checked by the segment itself. */
public final class SegmentSharedMemory implements SharedMemory {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment segment;

    public SegmentSharedMemory(MemorySegment segment) {
        Objects.requireNonNull(segment, "segment");
        if (segment.isReadOnly()) {
            throw new IllegalArgumentException("ring memory must be writable: " + segment);
        }
        if (segment.isNative() && segment.address() % 4 != 0) {
            throw new IllegalArgumentException("ring memory must be 4-byte aligned: " + segment);
        }
        this.segment = segment;
    }

    public MemorySegment segment() {
        return segment;
    }

    @Override
    public long byteSize() {
        return segment.byteSize();
    }

    @Override
    public int getIntAcquire(long offset) {
        return (int) INT.getAcquire(segment, offset);
    }

    @Override
    public int getIntVolatile(long offset) {
        return (int) INT.getVolatile(segment, offset);
    }

    @Override
    public void setIntRelease(long offset, int value) {
        INT.setRelease(segment, offset, value);
    }

    @Override
    public void setIntVolatile(long offset, int value) {
        INT.setVolatile(segment, offset, value);
    }

    @Override
    public void copyOut(long offset, MemorySegment destination, long destinationOffset, long length) {
        MemorySegment.copy(segment, offset, destination, destinationOffset, length);
    }

    @Override
    public void copyIn(MemorySegment source, long sourceOffset, long offset, long length) {
        MemorySegment.copy(source, sourceOffset, segment, offset, length);
    }

    @Override
    public void zero(long offset, long length) {
        segment.asSlice(offset, length).fill((byte) 0);
    }
}
