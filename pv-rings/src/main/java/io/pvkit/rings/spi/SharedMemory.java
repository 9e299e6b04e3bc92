package io.pvkit.rings.spi;

import io.pvkit.rings.internal.SegmentSharedMemory;

import java.lang.foreign.MemorySegment;

/**
 * The shared memory a ring lives in, as the rings access it: 32-bit index words with explicit
 * access modes, and bulk copies of whole slots between the shared page and private memory.
 *
 * <p>Every read a ring makes of peer-written memory goes through this interface, so that a test
 * double (the conformance kit's hostile memory) can count reads, change values between reads or
 * return arbitrary indices. Production code uses {@link #of(MemorySegment)}.
 *
 * <p>Offsets are byte offsets from the start of the ring area. Index words are 4-byte aligned
 * little-endian {@code uint32_t}s ({@code RING_IDX}); Java {@code int}s carry them unchanged.
 *
 * <p>Thread safety: an implementation must allow one thread per ring side to call it concurrently
 * with the peer (another thread or process) writing the same memory.
 */
public interface SharedMemory {

    /**
     * Wraps a native or mapped segment (one or more pages) as shared ring memory.
     *
     * @param segment the ring area; its address must be 4-byte aligned
     * @return the shared memory view
     * @throws IllegalArgumentException when the segment is misaligned or read-only
     */
    static SharedMemory of(MemorySegment segment) {
        return new SegmentSharedMemory(segment);
    }

    /**
     * The size of the ring area in bytes.
     *
     * @return the size
     */
    long byteSize();

    /**
     * Reads an index word with acquire semantics: later reads (of slots) are not reordered before it.
     *
     * @param offset the 4-aligned byte offset
     * @return the word
     */
    int getIntAcquire(long offset);

    /**
     * Reads an index word with volatile semantics (used after a full fence, and for hints).
     *
     * @param offset the 4-aligned byte offset
     * @return the word
     */
    int getIntVolatile(long offset);

    /**
     * Writes an index word with release semantics: earlier writes (of slots) become visible first.
     *
     * @param offset the 4-aligned byte offset
     * @param value the word
     */
    void setIntRelease(long offset, int value);

    /**
     * Writes an index word with volatile semantics.
     *
     * @param offset the 4-aligned byte offset
     * @param value the word
     */
    void setIntVolatile(long offset, int value);

    /**
     * Copies {@code length} bytes of shared memory into private memory, reading each shared byte once.
     *
     * @param offset the source offset in shared memory
     * @param destination the private destination
     * @param destinationOffset the offset in {@code destination}
     * @param length the number of bytes
     */
    void copyOut(long offset, MemorySegment destination, long destinationOffset, long length);

    /**
     * Copies {@code length} bytes of private memory into shared memory.
     *
     * @param source the private source
     * @param sourceOffset the offset in {@code source}
     * @param offset the destination offset in shared memory
     * @param length the number of bytes
     */
    void copyIn(MemorySegment source, long sourceOffset, long offset, long length);

    /**
     * Fills {@code length} bytes of shared memory with zero.
     *
     * @param offset the first byte
     * @param length the number of bytes
     */
    void zero(long offset, long length);
}
