package io.pvkit.grant;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The view of one granted frame under a {@link MappingLifetime#CHECKED} host mapping: every access checks
 * that the mapping is still mapped, and throws {@link IllegalStateException} once unmap (or the revocation at
 * a domain's death) has happened. Any thread may use it and any thread may unmap it; ending it costs one
 * atomic instruction instead of a shared arena's JVM-wide handshake.
 *
 * <p><b>The guarantee.</b> A read returns bytes of the granted frame read while the mapping was live, or
 * throws; a write (and every bulk copy or channel transfer, in either direction) runs entirely while the
 * grant is pinned, or does not start. An access that is under way when another thread unmaps finishes, and
 * the release of the grant waits for it: the pins, and so {@code GTF_reading}/{@code GTF_writing}, are dropped
 * only when the last access in flight has returned (so the granter sees the entry in use and cannot reuse the
 * page meanwhile). A thread blocked in {@link #writeTo(WritableByteChannel, long, int)} on a full pipe keeps
 * the grant pinned until that write returns, exactly as a SHARED segment held by NIO does.
 *
 * <p><b>No raw segment.</b> The view never hands out a {@link MemorySegment} of the frame (nothing could
 * make such a segment throw after unmap without closing an arena): bytes move through
 * {@link #copyTo}/{@link #copyFrom}, the scalar accessors and the channel transfers. Code that needs a real
 * segment (attaching a ring to a mapped page) asks {@link GrantTables#segmentOf} for one, which gives the
 * mapping a shared arena of its own (and its unmap the cost of closing it), or maps with
 * {@link MappingLifetime#SHARED}.
 *
 * <p>Offsets are relative to the start of the frame; every access must lie inside its 4096 bytes
 * ({@link IndexOutOfBoundsException} otherwise). Multi-byte values are little-endian and need no alignment.
 * Writes through a read-only mapping's view throw {@link UnsupportedOperationException}.
 */
public sealed interface GrantView permits GrantCursor, io.pvkit.grant.internal.CheckedView {

    /**
     * The size of the view.
     *
     * @return 4096
     */
    long byteSize();

    /**
     * Whether the mapping is read-only.
     *
     * @return true for a {@code GNTMAP_readonly} mapping
     */
    boolean isReadOnly();

    /**
     * Whether the mapping is still mapped (advisory: another thread may unmap it right after).
     *
     * @return false once unmap or revocation has happened
     */
    boolean isAlive();

    /**
     * Reads a byte.
     *
     * @param offset the offset in the frame
     * @return the byte
     * @throws IllegalStateException when the mapping was unmapped
     */
    byte getByte(long offset);

    /**
     * Reads a little-endian 16-bit value.
     *
     * @param offset the offset in the frame
     * @return the value
     * @throws IllegalStateException when the mapping was unmapped
     */
    short getShort(long offset);

    /**
     * Reads a little-endian 32-bit value.
     *
     * @param offset the offset in the frame
     * @return the value
     * @throws IllegalStateException when the mapping was unmapped
     */
    int getInt(long offset);

    /**
     * Reads a little-endian 64-bit value.
     *
     * @param offset the offset in the frame
     * @return the value
     * @throws IllegalStateException when the mapping was unmapped
     */
    long getLong(long offset);

    /**
     * Writes a byte.
     *
     * @param offset the offset in the frame
     * @param value the byte
     * @throws IllegalStateException when the mapping was unmapped
     */
    void setByte(long offset, byte value);

    /**
     * Writes a little-endian 16-bit value.
     *
     * @param offset the offset in the frame
     * @param value the value
     * @throws IllegalStateException when the mapping was unmapped
     */
    void setShort(long offset, short value);

    /**
     * Writes a little-endian 32-bit value.
     *
     * @param offset the offset in the frame
     * @param value the value
     * @throws IllegalStateException when the mapping was unmapped
     */
    void setInt(long offset, int value);

    /**
     * Writes a little-endian 64-bit value.
     *
     * @param offset the offset in the frame
     * @param value the value
     * @throws IllegalStateException when the mapping was unmapped
     */
    void setLong(long offset, long value);

    /**
     * Copies bytes out of the granted frame (while the grant is pinned).
     *
     * @param offset the first byte in the frame
     * @param dst the destination
     * @param dstOffset the first byte in {@code dst}
     * @param length the number of bytes
     * @throws IllegalStateException when the mapping was unmapped (nothing was copied)
     */
    void copyTo(long offset, MemorySegment dst, long dstOffset, long length);

    /**
     * Copies bytes into the granted frame (while the grant is pinned).
     *
     * @param src the source
     * @param srcOffset the first byte in {@code src}
     * @param offset the first byte in the frame
     * @param length the number of bytes
     * @throws IllegalStateException when the mapping was unmapped (nothing was copied)
     */
    void copyFrom(MemorySegment src, long srcOffset, long offset, long length);

    /**
     * One {@code read} from a channel into the frame: the grant stays pinned until it returns, even if the
     * mapping is unmapped meanwhile.
     *
     * @param channel the source
     * @param offset the first byte in the frame
     * @param length the most bytes to read
     * @return what {@link ReadableByteChannel#read} returned
     * @throws IOException from the channel
     * @throws IllegalStateException when the mapping was unmapped before the read began
     */
    int readFrom(ReadableByteChannel channel, long offset, int length) throws IOException;

    /**
     * One positional {@link FileChannel#read(java.nio.ByteBuffer, long)} into the frame, pinned as
     * {@link #readFrom(ReadableByteChannel, long, int)}.
     *
     * @param channel the file
     * @param position the file position
     * @param offset the first byte in the frame
     * @param length the most bytes to read
     * @return what the channel returned
     * @throws IOException from the channel
     * @throws IllegalStateException when the mapping was unmapped before the read began
     */
    int readFrom(FileChannel channel, long position, long offset, int length) throws IOException;

    /**
     * One {@code write} of bytes of the frame to a channel: the grant stays pinned until it returns, even if
     * the mapping is unmapped meanwhile.
     *
     * @param channel the destination
     * @param offset the first byte in the frame
     * @param length the most bytes to write
     * @return what {@link WritableByteChannel#write} returned
     * @throws IOException from the channel
     * @throws IllegalStateException when the mapping was unmapped before the write began
     */
    int writeTo(WritableByteChannel channel, long offset, int length) throws IOException;

    /**
     * One positional {@link FileChannel#write(java.nio.ByteBuffer, long)} of bytes of the frame, pinned as
     * {@link #writeTo(WritableByteChannel, long, int)}.
     *
     * @param channel the file
     * @param position the file position
     * @param offset the first byte in the frame
     * @param length the most bytes to write
     * @return what the channel returned
     * @throws IOException from the channel
     * @throws IllegalStateException when the mapping was unmapped before the write began
     */
    int writeTo(FileChannel channel, long position, long offset, int length) throws IOException;
}
