package io.pvkit.conformance.hostile;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The small set of shared-memory accesses protocol code performs on a page a peer also writes:
 * plain, acquire and volatile loads, plain and release stores, and bulk copies. Offsets are bytes
 * from the start of the view; values are native-endian (little-endian on x86_64), as in Xen's
 * {@code io/ring.h}; 32- and 64-bit acquire/release/volatile accesses must be naturally aligned.
 *
 * <p>{@link #of(MemorySegment)} is the honest view over a real segment; {@link HostileMemory} wraps
 * one and misbehaves on purpose. Library code that reaches shared memory only through an
 * interface with these methods (its own, in its own module; an adapter is a few lines, see the
 * module README) can be run against both.
 */
public interface SharedMemoryView {

    /**
     * The size of the view in bytes.
     *
     * @return the size
     */
    long byteSize();

    /**
     * A plain load of a byte.
     *
     * @param offset the byte offset
     * @return the value
     */
    byte getByte(long offset);

    /**
     * A plain load of a 16-bit value.
     *
     * @param offset the byte offset
     * @return the value
     */
    short getShort(long offset);

    /**
     * A plain load of a 32-bit value.
     *
     * @param offset the byte offset
     * @return the value
     */
    int getInt(long offset);

    /**
     * A load-acquire of an aligned 32-bit value (the peer's producer index).
     *
     * @param offset the byte offset (4-aligned)
     * @return the value
     */
    int getIntAcquire(long offset);

    /**
     * A volatile load of an aligned 32-bit value.
     *
     * @param offset the byte offset (4-aligned)
     * @return the value
     */
    int getIntVolatile(long offset);

    /**
     * A plain load of a 64-bit value.
     *
     * @param offset the byte offset
     * @return the value
     */
    long getLong(long offset);

    /**
     * A plain store of a byte.
     *
     * @param offset the byte offset
     * @param value the value
     */
    void setByte(long offset, byte value);

    /**
     * A plain store of a 16-bit value.
     *
     * @param offset the byte offset
     * @param value the value
     */
    void setShort(long offset, short value);

    /**
     * A plain store of a 32-bit value.
     *
     * @param offset the byte offset
     * @param value the value
     */
    void setInt(long offset, int value);

    /**
     * A store-release of an aligned 32-bit value (publishing one's own index).
     *
     * @param offset the byte offset (4-aligned)
     * @param value the value
     */
    void setIntRelease(long offset, int value);

    /**
     * A volatile store of an aligned 32-bit value.
     *
     * @param offset the byte offset (4-aligned)
     * @param value the value
     */
    void setIntVolatile(long offset, int value);

    /**
     * A plain store of a 64-bit value.
     *
     * @param offset the byte offset
     * @param value the value
     */
    void setLong(long offset, long value);

    /**
     * Copies bytes out of shared memory into a private segment (one read of the whole range: the
     * {@code RING_COPY_REQUEST} step).
     *
     * @param offset where the range starts in this view
     * @param destination the private segment
     * @param destinationOffset where to put the bytes
     * @param length how many bytes
     */
    void copyTo(long offset, MemorySegment destination, long destinationOffset, long length);

    /**
     * Copies bytes from a private segment into shared memory.
     *
     * @param source the private segment
     * @param sourceOffset where the bytes start
     * @param offset where to put them in this view
     * @param length how many bytes
     */
    void copyFrom(MemorySegment source, long sourceOffset, long offset, long length);

    /**
     * The honest view: every access goes straight to {@code segment}.
     *
     * @param segment a real segment (Arena-allocated or a mapped file)
     * @return the view
     */
    static SharedMemoryView of(MemorySegment segment) {
        return new SegmentView(segment);
    }

    /** The honest view over a real segment. */
    final class SegmentView implements SharedMemoryView {
        private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
        private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
        private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
        private static final java.lang.invoke.VarHandle ALIGNED_INT =
                ValueLayout.JAVA_INT.varHandle().withInvokeExactBehavior();

        private final MemorySegment segment;

        private SegmentView(MemorySegment segment) {
            this.segment = Objects.requireNonNull(segment, "segment");
        }

        /**
         * The segment this view accesses.
         *
         * @return the segment
         */
        public MemorySegment segment() {
            return segment;
        }

        @Override
        public long byteSize() {
            return segment.byteSize();
        }

        @Override
        public byte getByte(long offset) {
            return segment.get(ValueLayout.JAVA_BYTE, offset);
        }

        @Override
        public short getShort(long offset) {
            return segment.get(SHORT, offset);
        }

        @Override
        public int getInt(long offset) {
            return segment.get(INT, offset);
        }

        @Override
        public int getIntAcquire(long offset) {
            return (int) ALIGNED_INT.getAcquire(segment, offset);
        }

        @Override
        public int getIntVolatile(long offset) {
            return (int) ALIGNED_INT.getVolatile(segment, offset);
        }

        @Override
        public long getLong(long offset) {
            return segment.get(LONG, offset);
        }

        @Override
        public void setByte(long offset, byte value) {
            segment.set(ValueLayout.JAVA_BYTE, offset, value);
        }

        @Override
        public void setShort(long offset, short value) {
            segment.set(SHORT, offset, value);
        }

        @Override
        public void setInt(long offset, int value) {
            segment.set(INT, offset, value);
        }

        @Override
        public void setIntRelease(long offset, int value) {
            ALIGNED_INT.setRelease(segment, offset, value);
        }

        @Override
        public void setIntVolatile(long offset, int value) {
            ALIGNED_INT.setVolatile(segment, offset, value);
        }

        @Override
        public void setLong(long offset, long value) {
            segment.set(LONG, offset, value);
        }

        @Override
        public void copyTo(long offset, MemorySegment destination, long destinationOffset, long length) {
            MemorySegment.copy(segment, offset, destination, destinationOffset, length);
        }

        @Override
        public void copyFrom(MemorySegment source, long sourceOffset, long offset, long length) {
            MemorySegment.copy(source, sourceOffset, segment, offset, length);
        }
    }
}
