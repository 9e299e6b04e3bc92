package io.pvkit.rings.internal;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The accesses a ring makes, over pvkit's one shared-memory seam ({@link MemoryAccess}): 32-bit index
 * words with explicit access modes and whole-slot copies between shared and private memory. Offsets are
 * bytes from the start of the ring area (offset 0 of the memory).
 *
 * <p>Two final implementations keep the ring's call sites at most bimorphic: over a {@link GuestMemory}
 * the ring works on its segment directly (the hot path: one var handle access or one bulk copy, as fast
 * as before the seam); over any other {@code MemoryAccess} (the conformance kit's hostile views, test
 * recorders) every access goes through the interface, so the view sees each read.
 */
public abstract sealed class RingMemory permits RingMemory.OfSegment, RingMemory.OfAccess {

    /**
     * The ring view of shared memory.
     *
     * @param memory the ring area
     * @return the view
     */
    public static RingMemory of(MemoryAccess memory) {
        Objects.requireNonNull(memory, "memory");
        if (memory instanceof GuestMemory guest) {
            return new OfSegment(guest.segment());
        }
        return new OfAccess(memory);
    }

    RingMemory() {
    }

    /**
     * The size of the ring area.
     *
     * @return bytes
     */
    public abstract long byteSize();

    /**
     * Load-acquire of an index word.
     *
     * @param offset 4-aligned
     * @return the word
     */
    public abstract int getIntAcquire(long offset);

    /**
     * Volatile load of an index word.
     *
     * @param offset 4-aligned
     * @return the word
     */
    public abstract int getIntVolatile(long offset);

    /**
     * Store-release of an index word.
     *
     * @param offset 4-aligned
     * @param value the word
     */
    public abstract void setIntRelease(long offset, int value);

    /**
     * Volatile store of an index word.
     *
     * @param offset 4-aligned
     * @param value the word
     */
    public abstract void setIntVolatile(long offset, int value);

    /**
     * Copies shared bytes into private memory, reading each shared byte once.
     *
     * @param offset the shared source
     * @param destination private memory
     * @param destinationOffset where in {@code destination}
     * @param length bytes
     */
    public abstract void copyOut(long offset, MemorySegment destination, long destinationOffset, int length);

    /**
     * Copies private bytes into shared memory.
     *
     * @param source private memory
     * @param sourceOffset where in {@code source}
     * @param offset the shared destination
     * @param length bytes
     */
    public abstract void copyIn(MemorySegment source, long sourceOffset, long offset, int length);

    /**
     * Zeroes shared bytes.
     *
     * @param offset the first byte
     * @param length bytes
     */
    public abstract void zero(long offset, long length);

    /** Over a guest memory's segment: bounds-checked by the segment, no per-access interface call. */
    static final class OfSegment extends RingMemory {
        private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
        /** Up to this many bytes {@link #zero} stores longs instead of calling the bulk fill. */
        private static final long SMALL_ZERO_BYTES = 256;
        private final MemorySegment segment;

        OfSegment(MemorySegment segment) {
            if (segment.isReadOnly()) {
                throw new IllegalArgumentException("ring memory must be writable: " + segment);
            }
            this.segment = segment;
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
        public void copyOut(long offset, MemorySegment destination, long destinationOffset, int length) {
            MemorySegment.copy(segment, offset, destination, destinationOffset, length);
        }

        @Override
        public void copyIn(MemorySegment source, long sourceOffset, long offset, int length) {
            MemorySegment.copy(source, sourceOffset, segment, offset, length);
        }

        @Override
        public void zero(long offset, long length) {
            if (length > SMALL_ZERO_BYTES) {
                segment.asSlice(offset, length).fill((byte) 0);
                return;
            }
            // a response's tail (RING-07) on every response: plain 8-byte stores, no slice and no bulk-fill call
            final long end = offset + length;
            long p = offset;
            for (; end - p >= Long.BYTES; p += Long.BYTES) {
                segment.set(ValueLayout.JAVA_LONG_UNALIGNED, p, 0L);
            }
            for (; p < end; p++) {
                segment.set(ValueLayout.JAVA_BYTE, p, (byte) 0);
            }
        }
    }

    /** Over any {@link MemoryAccess}: every access is one call of the seam, bulk copies included. */
    static final class OfAccess extends RingMemory {
        private final MemoryAccess memory;

        OfAccess(MemoryAccess memory) {
            this.memory = memory;
        }

        @Override
        public long byteSize() {
            return memory.byteSize();
        }

        @Override
        public int getIntAcquire(long offset) {
            return memory.getIntAcquire(offset);
        }

        @Override
        public int getIntVolatile(long offset) {
            return memory.getIntVolatile(offset);
        }

        @Override
        public void setIntRelease(long offset, int value) {
            memory.setIntRelease(offset, value);
        }

        @Override
        public void setIntVolatile(long offset, int value) {
            memory.setIntVolatile(offset, value);
        }

        @Override
        public void copyOut(long offset, MemorySegment destination, long destinationOffset, int length) {
            // one read of the shared bytes, straight into the private destination
            memory.copyOut(offset, destination, destinationOffset, length);
        }

        @Override
        public void copyIn(MemorySegment source, long sourceOffset, long offset, int length) {
            memory.copyIn(source, sourceOffset, offset, length);
        }

        @Override
        public void zero(long offset, long length) {
            memory.fill(offset, length, (byte) 0);
        }
    }
}
