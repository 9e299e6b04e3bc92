package io.pvkit.conformance.grant;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * What a backend in the hypervisor's process does with a host mapping: reads and writes of the granted frame through
 * the implementation's own accessors, for the mapped-access rules GNT-32 .. GNT-36
 * ({@link GrantMappedFrameVerification#mappedFrame}). Offsets are relative to the start of the 4096-byte frame;
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
     * The size of the frame.
     *
     * @return 4096, the size of the frame
     */
    long byteSize();

    /**
     * Whether the mapping was made read-only.
     *
     * @return true for a {@code GNTMAP_readonly} mapping
     */
    boolean isReadOnly();

    /**
     * Whether the mapping is still mapped, as seen from the thread that made it (advisory: another thread may end it
     * right after).
     *
     * @return false once the mapping was unmapped or revoked and its end completed
     */
    boolean isAlive();

    /**
     * Reads a byte.
     *
     * @param offset the offset in the frame
     * @return the byte there
     */
    byte getByte(long offset);

    /**
     * Reads a little-endian 16-bit value.
     *
     * @param offset the offset in the frame
     * @return the little-endian 16-bit value there
     */
    short getShort(long offset);

    /**
     * Reads a little-endian 32-bit value.
     *
     * @param offset the offset in the frame
     * @return the little-endian 32-bit value there
     */
    int getInt(long offset);

    /**
     * Reads a little-endian 64-bit value.
     *
     * @param offset the offset in the frame
     * @return the little-endian 64-bit value there
     */
    long getLong(long offset);

    /**
     * Writes a byte.
     *
     * @param offset the offset in the frame
     * @param value the byte to write
     */
    void setByte(long offset, byte value);

    /**
     * Writes a little-endian 16-bit value.
     *
     * @param offset the offset in the frame
     * @param value the value to write, little-endian
     */
    void setShort(long offset, short value);

    /**
     * Writes a little-endian 32-bit value.
     *
     * @param offset the offset in the frame
     * @param value the value to write, little-endian
     */
    void setInt(long offset, int value);

    /**
     * Writes a little-endian 64-bit value.
     *
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
     * One positional {@code write} of bytes of the frame to a file (a block backend's pwrite), pinned as
     * {@link #writeTo(WritableByteChannel, long, int)}.
     *
     * @param channel the file
     * @param position the file position
     * @param offset the first byte in the frame
     * @param length the most bytes to write
     * @return what the channel's {@code write} returned
     * @throws IOException from the channel
     */
    int writeTo(FileChannel channel, long position, long offset, int length) throws IOException;

    /**
     * One positional {@code read} from a file into the frame (a block backend's pread), pinned as
     * {@link #readFrom(ReadableByteChannel, long, int)}.
     *
     * @param channel the file
     * @param position the file position
     * @param offset the first byte in the frame
     * @param length the most bytes to read
     * @return what the channel's {@code read} returned
     * @throws IOException from the channel
     */
    int readFrom(FileChannel channel, long position, long offset, int length) throws IOException;

    /**
     * The accesses of a mapping's {@link MemorySegment} view (the default of
     * {@link GrantMappedFrameVerification#mappedFrame}): the segment's own bounds, read-only mode and scope are the
     * implementation's checks; channel transfers go through {@code asSlice(...).asByteBuffer()}, which NIO holds
     * acquired while the transfer runs.
     *
     * @param view the view of one host mapping (4096 bytes)
     * @return the accesses through it
     */
    static MappedFrame of(MemorySegment view) {
        return new SegmentFrame(view);
    }
}
