package io.pvkit.abi.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The one shared-memory seam of pvkit: every access a protocol makes to memory a peer also writes
 * (plain, acquire/release/volatile 32- and 64-bit, compare-and-set, bitwise read-modify-write, copy in
 * and out), addressed by byte offset (a guest-physical address for a domain's memory).
 *
 * <p>{@link GuestMemory} is the production implementation. Rings, event channels and grant tables
 * are written against this interface so that a test (the conformance kit's {@code HostileMemory})
 * can stand between a protocol and its memory: count reads, change a field between the first and
 * the second read on purpose, or fault an access. Implementations must keep the semantics of the
 * {@link java.lang.invoke.VarHandle} access mode each method names; an out-of-range or misaligned
 * access throws {@link GuestMemoryFault} and touches nothing.
 *
 * <p>All multi-byte values are little-endian (the x86_64 Xen ABI).
 */
public interface MemoryAccess {
    /**
     * The size in bytes.
     *
     * @return {@code frames() * 4096}
     */
    long byteSize();

    /**
     * Whether {@code [gpa, gpa + length)} lies inside this memory (overflow-safe).
     *
     * @param gpa a guest-physical address
     * @param length a length in bytes
     * @return true when the whole range is inside
     */
    boolean contains(long gpa, long length);

    /**
     * Reads a byte.
     *
     * @param gpa the address
     * @return the byte
     */
    byte getByte(long gpa);

    /**
     * Writes a byte.
     *
     * @param gpa the address
     * @param value the byte
     */
    void setByte(long gpa, byte value);

    /**
     * Reads a little-endian 16-bit value.
     *
     * @param gpa the address
     * @return the value
     */
    short getShort(long gpa);

    /**
     * Writes a little-endian 16-bit value.
     *
     * @param gpa the address
     * @param value the value
     */
    void setShort(long gpa, short value);

    /**
     * Reads a little-endian 32-bit value (plain access).
     *
     * @param gpa the address
     * @return the value
     */
    int getInt(long gpa);

    /**
     * Writes a little-endian 32-bit value (plain access).
     *
     * @param gpa the address
     * @param value the value
     */
    void setInt(long gpa, int value);

    /**
     * Reads a little-endian 64-bit value (plain access).
     *
     * @param gpa the address
     * @return the value
     */
    long getLong(long gpa);

    /**
     * Writes a little-endian 64-bit value (plain access).
     *
     * @param gpa the address
     * @param value the value
     */
    void setLong(long gpa, long value);

    /**
     * Copies bytes out of guest memory.
     *
     * @param gpa the guest address of the first byte
     * @param dst the destination array
     * @param offset the first index written in {@code dst}
     * @param length the number of bytes
     */
    void read(long gpa, byte[] dst, int offset, int length);

    /**
     * Copies bytes into guest memory.
     *
     * @param gpa the guest address of the first byte
     * @param src the source array
     * @param offset the first index read in {@code src}
     * @param length the number of bytes
     */
    void write(long gpa, byte[] src, int offset, int length);

    /**
     * Copies bytes out of guest memory into a segment, as <em>one</em> access of the whole range (a view
     * that counts reads counts one). The default goes through {@link #read(long, byte[], int, int)} with a
     * temporary array; {@link GuestMemory} copies segment to segment.
     *
     * @param gpa the guest address of the first byte
     * @param dst the destination (private memory)
     * @param dstOffset the first byte written in {@code dst}
     * @param length the number of bytes (at most {@link Integer#MAX_VALUE} for the default)
     * @throws IndexOutOfBoundsException when {@code [dstOffset, dstOffset + length)} is not inside {@code dst}
     *         (checked before guest memory is touched)
     */
    default void copyOut(long gpa, MemorySegment dst, long dstOffset, long length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.byteSize());
        byte[] bytes = new byte[Math.toIntExact(length)];
        read(gpa, bytes, 0, bytes.length);
        MemorySegment.copy(bytes, 0, dst, ValueLayout.JAVA_BYTE, dstOffset, bytes.length);
    }

    /**
     * Copies bytes from a segment into guest memory, as <em>one</em> access of the whole range. The default
     * goes through {@link #write(long, byte[], int, int)} with a temporary array; {@link GuestMemory} copies
     * segment to segment.
     *
     * @param src the source (private memory)
     * @param srcOffset the first byte read in {@code src}
     * @param gpa the guest address of the first byte written
     * @param length the number of bytes (at most {@link Integer#MAX_VALUE} for the default)
     * @throws IndexOutOfBoundsException when {@code [srcOffset, srcOffset + length)} is not inside {@code src}
     *         (checked before guest memory is touched)
     */
    default void copyIn(MemorySegment src, long srcOffset, long gpa, long length) {
        Objects.checkFromIndexSize(srcOffset, length, src.byteSize());
        byte[] bytes = new byte[Math.toIntExact(length)];
        MemorySegment.copy(src, ValueLayout.JAVA_BYTE, srcOffset, bytes, 0, bytes.length);
        write(gpa, bytes, 0, bytes.length);
    }

    /**
     * Fills a range with a byte value.
     *
     * @param gpa the guest address of the first byte
     * @param length the number of bytes
     * @param value the fill value
     */
    void fill(long gpa, long length, byte value);

    /**
     * A release fence: no load or store before it is reordered with a store after it, as Linux's {@code wmb()}
     * between the fields of a shared structure and the store that publishes them (a grant entry's frame and domid,
     * then its flags; a ring's requests, then {@code req_prod}). A plain store after this fence publishes like a
     * release store. The default is {@link VarHandle#releaseFence()}; a wrapper that watches the accesses made through
     * it (a log, a hostile view) may override it to see where the fences fall, and then calls the delegate's.
     */
    default void releaseFence() {
        VarHandle.releaseFence();
    }

    /**
     * Reads a 32-bit word with acquire semantics.
     *
     * @param gpa a 4-aligned address
     * @return the value
     */
    int getIntAcquire(long gpa);

    /**
     * Writes a 32-bit word with release semantics.
     *
     * @param gpa a 4-aligned address
     * @param value the value
     */
    void setIntRelease(long gpa, int value);

    /**
     * Reads a 32-bit word with volatile semantics.
     *
     * @param gpa a 4-aligned address
     * @return the value
     */
    int getIntVolatile(long gpa);

    /**
     * Writes a 32-bit word with volatile semantics.
     *
     * @param gpa a 4-aligned address
     * @param value the value
     */
    void setIntVolatile(long gpa, int value);

    /**
     * Atomically sets a 32-bit word to {@code update} if it equals {@code expect}.
     *
     * @param gpa a 4-aligned address
     * @param expect the expected value
     * @param update the new value
     * @return true when the word was updated
     */
    boolean compareAndSetInt(long gpa, int expect, int update);

    /**
     * Atomically sets a 32-bit word to {@code update} if it equals {@code expect}, returning the witness.
     *
     * @param gpa a 4-aligned address
     * @param expect the expected value
     * @param update the new value
     * @return the value seen (equal to {@code expect} exactly when the update happened)
     */
    int compareAndExchangeInt(long gpa, int expect, int update);

    /**
     * Atomically ORs bits into a 32-bit word (a full fence).
     *
     * @param gpa a 4-aligned address
     * @param bits the bits to set
     * @return the previous value
     */
    int getAndBitwiseOrInt(long gpa, int bits);

    /**
     * Atomically ANDs a 32-bit word with a mask (a full fence).
     *
     * @param gpa a 4-aligned address
     * @param mask the bits to keep
     * @return the previous value
     */
    int getAndBitwiseAndInt(long gpa, int mask);

    /**
     * Atomically adds to a 32-bit word.
     *
     * @param gpa a 4-aligned address
     * @param delta the addend
     * @return the previous value
     */
    int getAndAddInt(long gpa, int delta);

    /**
     * Atomically replaces a 32-bit word.
     *
     * @param gpa a 4-aligned address
     * @param value the new value
     * @return the previous value
     */
    int getAndSetInt(long gpa, int value);

    /**
     * Reads a 64-bit word with acquire semantics.
     *
     * @param gpa an 8-aligned address
     * @return the value
     */
    long getLongAcquire(long gpa);

    /**
     * Writes a 64-bit word with release semantics.
     *
     * @param gpa an 8-aligned address
     * @param value the value
     */
    void setLongRelease(long gpa, long value);

    /**
     * Reads a 64-bit word with volatile semantics.
     *
     * @param gpa an 8-aligned address
     * @return the value
     */
    long getLongVolatile(long gpa);

    /**
     * Writes a 64-bit word with volatile semantics.
     *
     * @param gpa an 8-aligned address
     * @param value the value
     */
    void setLongVolatile(long gpa, long value);

    /**
     * Atomically sets a 64-bit word to {@code update} if it equals {@code expect}.
     *
     * @param gpa an 8-aligned address
     * @param expect the expected value
     * @param update the new value
     * @return true when the word was updated
     */
    boolean compareAndSetLong(long gpa, long expect, long update);

    /**
     * Atomically ORs bits into a 64-bit word (a full fence).
     *
     * @param gpa an 8-aligned address
     * @param bits the bits to set
     * @return the previous value
     */
    long getAndBitwiseOrLong(long gpa, long bits);

    /**
     * Atomically ANDs a 64-bit word with a mask (a full fence).
     *
     * @param gpa an 8-aligned address
     * @param mask the bits to keep
     * @return the previous value
     */
    long getAndBitwiseAndLong(long gpa, long mask);

    /**
     * Atomically replaces a 64-bit word.
     *
     * @param gpa an 8-aligned address
     * @param value the new value
     * @return the previous value
     */
    long getAndSetLong(long gpa, long value);

    /**
     * Atomically ORs bits into a byte, through its aligned containing 32-bit word.
     *
     * @param gpa the byte's address (any alignment)
     * @param bits the bits to set
     * @return the previous value of the byte (0..255)
     */
    int getAndBitwiseOrByte(long gpa, int bits);

    /**
     * Atomically ANDs a byte with a mask, through its aligned containing 32-bit word.
     *
     * @param gpa the byte's address (any alignment)
     * @param mask the bits to keep
     * @return the previous value of the byte (0..255)
     */
    int getAndBitwiseAndByte(long gpa, int mask);

    /**
     * Atomically ORs bits into a 16-bit field, through its aligned containing 32-bit word.
     *
     * @param gpa the field's address, 2-aligned
     * @param bits the bits to set
     * @return the previous value of the field (0..65535)
     */
    int getAndBitwiseOrShort(long gpa, int bits);

    /**
     * Atomically ANDs a 16-bit field with a mask, through its aligned containing 32-bit word.
     *
     * @param gpa the field's address, 2-aligned
     * @param mask the bits to keep
     * @return the previous value of the field (0..65535)
     */
    int getAndBitwiseAndShort(long gpa, int mask);
}
