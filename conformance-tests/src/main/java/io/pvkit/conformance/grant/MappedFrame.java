package io.pvkit.conformance.grant;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * What a backend in the hypervisor's process does with a host mapping: reads and writes of the granted frame through
 * the implementation's own accessors, for the mapped-access rules GNT-32 .. GNT-36
 * ({@link GrantMappedAccessVerification#mappedFrame}). Offsets are relative to the start of the 4096-byte frame;
 * multi-byte values are little-endian (the Xen ABI on x86_64) and need no alignment.
 *
 * <p>An access the implementation refuses throws: {@link IndexOutOfBoundsException} for one that would reach outside
 * the frame, {@link IllegalStateException} once the mapping was unmapped or revoked, any {@link RuntimeException} for a
 * write through a read-only mapping. A refused access changes nothing.
 *
 * <p>{@link #of(MemorySegment)} adapts the {@link MemorySegment} an implementation gives for
 * {@link GrantTableSetupVerification#mappingView}; an implementation with accessors of its own (pv-grant's
 * {@code GrantView}) supplies an adapter to them instead.
 */
public interface MappedFrame {

    /**
     * @param offset the offset in the frame
     * @return the byte there
     */
    byte getByte(long offset);

    /**
     * @param offset the offset in the frame
     * @return the little-endian 16-bit value there
     */
    short getShort(long offset);

    /**
     * @param offset the offset in the frame
     * @return the little-endian 32-bit value there
     */
    int getInt(long offset);

    /**
     * @param offset the offset in the frame
     * @return the little-endian 64-bit value there
     */
    long getLong(long offset);

    /**
     * @param offset the offset in the frame
     * @param value the byte to write
     */
    void setByte(long offset, byte value);

    /**
     * @param offset the offset in the frame
     * @param value the value to write, little-endian
     */
    void setShort(long offset, short value);

    /**
     * @param offset the offset in the frame
     * @param value the value to write, little-endian
     */
    void setInt(long offset, int value);

    /**
     * @param offset the offset in the frame
     * @param value the value to write, little-endian
     */
    void setLong(long offset, long value);

    /**
     * Copies bytes out of the frame.
     *
     * @param offset the first byte in the frame
     * @param dst the destination
     * @param dstOffset the first byte in {@code dst}
     * @param length the number of bytes
     */
    void copyTo(long offset, MemorySegment dst, long dstOffset, long length);

    /**
     * Copies bytes into the frame.
     *
     * @param src the source
     * @param srcOffset the first byte in {@code src}
     * @param offset the first byte in the frame
     * @param length the number of bytes
     */
    void copyFrom(MemorySegment src, long srcOffset, long offset, long length);

    /**
     * One {@code write} of bytes of the frame to a channel; the mapping stays usable (the grant pinned) until it
     * returns, even when it is unmapped meanwhile.
     *
     * @param channel the destination
     * @param offset the first byte in the frame
     * @param length the most bytes to write
     * @return what the channel's {@code write} returned
     * @throws IOException from the channel
     */
    int writeTo(WritableByteChannel channel, long offset, int length) throws IOException;

    /**
     * One {@code read} from a channel into the frame; the mapping stays usable (the grant pinned) until it returns,
     * even when it is unmapped meanwhile.
     *
     * @param channel the source
     * @param offset the first byte in the frame
     * @param length the most bytes to read
     * @return what the channel's {@code read} returned
     * @throws IOException from the channel
     */
    int readFrom(ReadableByteChannel channel, long offset, int length) throws IOException;

    /**
     * The accesses of a mapping's {@link MemorySegment} view (the default of
     * {@link GrantMappedAccessVerification#mappedFrame}): the segment's own bounds, read-only mode and scope are the
     * implementation's checks; channel transfers go through {@code asSlice(...).asByteBuffer()}, which NIO holds
     * acquired while the transfer runs.
     *
     * @param view the view of one host mapping (4096 bytes)
     * @return the accesses through it
     */
    static MappedFrame of(MemorySegment view) {
        return new SegmentFrame(view);
    }

    /**
     * {@link MappedFrame#of}.
     *
     * @param view the view of one host mapping
     */
    record SegmentFrame(MemorySegment view) implements MappedFrame {
        private static final ValueLayout.OfShort U16 =
                ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong U64 =
                ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        @Override
        public byte getByte(long offset) {
            return view.get(ValueLayout.JAVA_BYTE, offset);
        }

        @Override
        public short getShort(long offset) {
            return view.get(U16, offset);
        }

        @Override
        public int getInt(long offset) {
            return view.get(U32, offset);
        }

        @Override
        public long getLong(long offset) {
            return view.get(U64, offset);
        }

        @Override
        public void setByte(long offset, byte value) {
            view.set(ValueLayout.JAVA_BYTE, offset, value);
        }

        @Override
        public void setShort(long offset, short value) {
            view.set(U16, offset, value);
        }

        @Override
        public void setInt(long offset, int value) {
            view.set(U32, offset, value);
        }

        @Override
        public void setLong(long offset, long value) {
            view.set(U64, offset, value);
        }

        @Override
        public void copyTo(long offset, MemorySegment dst, long dstOffset, long length) {
            MemorySegment.copy(view, offset, dst, dstOffset, length);
        }

        @Override
        public void copyFrom(MemorySegment src, long srcOffset, long offset, long length) {
            MemorySegment.copy(src, srcOffset, view, offset, length);
        }

        @Override
        public int writeTo(WritableByteChannel channel, long offset, int length) throws IOException {
            return channel.write(view.asSlice(offset, length).asByteBuffer());
        }

        @Override
        public int readFrom(ReadableByteChannel channel, long offset, int length) throws IOException {
            // a read-only segment's buffer is read-only: NIO refuses it before reading (IllegalArgumentException)
            return channel.read(view.asSlice(offset, length).asByteBuffer());
        }
    }
}
