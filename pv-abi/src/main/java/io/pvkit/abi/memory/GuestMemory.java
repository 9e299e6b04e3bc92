package io.pvkit.abi.memory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A domain's pseudo-physical memory: {@code frames} frames of {@value #PAGE_SIZE} bytes, addressed by
 * guest frame number (gfn) or guest-physical address (gpa).
 *
 * <p>Two backings: {@link #allocate(long)} (an {@link Arena} in this process) and
 * {@link #mapFile(Path, long)} (a memory-mapped file that another process maps too). Every access is
 * bounds-checked: an address outside the memory, or an atomic access that is not naturally aligned,
 * throws {@link GuestMemoryFault} and never touches memory.
 *
 * <p>All multi-byte values are little-endian (the x86_64 Xen ABI). The atomic accessors are the
 * {@link VarHandle} access modes of aligned 32- and 64-bit words; 8- and 16-bit fields are updated
 * atomically through their containing 32-bit word, as Xen itself does for grant entry flags.
 *
 * <p>Thread safety: the memory is shared by design; every accessor may be called from any thread
 * (the backing arena is shared). {@link #close()} must not race with accesses.
 *
 * {@snippet :
 * try (GuestMemory mem = GuestMemory.allocate(16)) {
 *     mem.setIntRelease(GuestMemory.gpaOf(3) + 8, 42);
 *     int v = mem.getIntAcquire(0x3008);   // 42
 * }
 * }
 */
public final class GuestMemory implements MemoryAccess, AutoCloseable {
    /** log2 of the frame size. */
    public static final int PAGE_SHIFT = 12;
    /** The frame size in bytes, fixed at 4096 by the Xen ABI for all ring and grant protocols. */
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment segment;
    private final Arena arena;
    private final FileChannel channel;
    private final long frames;

    private GuestMemory(MemorySegment segment, Arena arena, FileChannel channel) {
        this.segment = segment;
        this.arena = arena;
        this.channel = channel;
        this.frames = segment.byteSize() >>> PAGE_SHIFT;
    }

    /**
     * Allocates zeroed memory of {@code frames} frames in a shared arena of this process.
     *
     * @param frames the number of 4096-byte frames, at least 1
     * @return the memory; close it to free it
     */
    public static GuestMemory allocate(long frames) {
        checkFrames(frames);
        Arena arena = Arena.ofShared();
        return new GuestMemory(arena.allocate(frames * PAGE_SIZE, PAGE_SIZE), arena, null);
    }

    /**
     * Maps {@code frames} frames of a file, creating the file (zero-filled) when it does not exist or is
     * shorter. Another process that maps the same file sees the same memory.
     *
     * @param file the backing file
     * @param frames the number of 4096-byte frames, at least 1
     * @return the memory; close it to unmap
     * @throws UncheckedIOException when the file cannot be opened, extended or mapped
     */
    public static GuestMemory mapFile(Path file, long frames) {
        checkFrames(frames);
        Objects.requireNonNull(file, "file");
        FileChannel ch = null;
        Arena arena = Arena.ofShared();
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            long bytes = frames * PAGE_SIZE;
            if (ch.size() < bytes) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[1]), bytes - 1);
            }
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
            return new GuestMemory(seg, arena, ch);
        } catch (IOException e) {
            arena.close();
            closeQuietly(ch);
            throw new UncheckedIOException("cannot map guest memory file " + file, e);
        }
    }

    /**
     * Wraps an existing segment whose lifetime the caller manages (it is not closed by {@link #close()}).
     *
     * @param segment a native segment whose size is a positive multiple of 4096 and whose address is
     *     4096-aligned
     * @return a view of the segment as guest memory
     * @throws IllegalArgumentException when the size or alignment is wrong, or the segment is on the heap
     */
    public static GuestMemory wrap(MemorySegment segment) {
        Objects.requireNonNull(segment, "segment");
        if (!segment.isNative() || segment.byteSize() == 0 || segment.byteSize() % PAGE_SIZE != 0
                || segment.address() % PAGE_SIZE != 0) {
            throw new IllegalArgumentException("guest memory must be a page-aligned native segment of whole pages, got "
                    + segment);
        }
        return new GuestMemory(segment, null, null);
    }

    private static void checkFrames(long frames) {
        if (frames < 1 || frames > (Long.MAX_VALUE >>> PAGE_SHIFT)) {
            throw new IllegalArgumentException("frames must be positive, got " + frames);
        }
    }

    /**
     * The guest-physical address of the first byte of frame {@code gfn}.
     *
     * @param gfn a guest frame number
     * @return {@code gfn << 12}
     */
    public static long gpaOf(long gfn) {
        return gfn << PAGE_SHIFT;
    }

    /**
     * The frame that holds guest-physical address {@code gpa}.
     *
     * @param gpa a guest-physical address
     * @return {@code gpa >>> 12}
     */
    public static long gfnOf(long gpa) {
        return gpa >>> PAGE_SHIFT;
    }

    /**
     * The number of frames.
     *
     * @return the frame count
     */
    public long frames() {
        return frames;
    }

    /**
     * The size in bytes.
     *
     * @return {@code frames() * 4096}
     */
    public long byteSize() {
        return segment.byteSize();
    }

    /**
     * The whole memory as one segment (for code that addresses it through layouts).
     *
     * @return the backing segment
     */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * Whether {@code [gpa, gpa + length)} lies inside this memory (overflow-safe).
     *
     * @param gpa a guest-physical address
     * @param length a length in bytes
     * @return true when the whole range is inside
     */
    public boolean contains(long gpa, long length) {
        return gpa >= 0 && length >= 0 && gpa <= segment.byteSize() && length <= segment.byteSize() - gpa;
    }

    /**
     * One frame as a 4096-byte segment.
     *
     * @param gfn the guest frame number
     * @return a slice of the memory
     * @throws GuestMemoryFault when {@code gfn} is not a frame of this memory
     */
    public MemorySegment frame(long gfn) {
        if (gfn < 0 || gfn >= frames) {
            throw new GuestMemoryFault("frame " + gfn + " outside guest memory of " + frames + " frames",
                    gfn << PAGE_SHIFT, PAGE_SIZE);
        }
        return segment.asSlice(gfn << PAGE_SHIFT, PAGE_SIZE);
    }

    /**
     * A byte range as a segment.
     *
     * @param gpa the guest-physical address of the first byte
     * @param length the length in bytes
     * @return a slice of the memory
     * @throws GuestMemoryFault when the range is not wholly inside this memory
     */
    public MemorySegment slice(long gpa, long length) {
        check(gpa, length);
        return segment.asSlice(gpa, length);
    }

    private void check(long gpa, long length) {
        if (!contains(gpa, length)) {
            throw new GuestMemoryFault("range outside guest memory of " + segment.byteSize() + " bytes", gpa, length);
        }
    }

    private void checkAligned(long gpa, int size) {
        check(gpa, size);
        if ((gpa & (size - 1)) != 0) {
            throw new GuestMemoryFault("atomic access must be aligned to " + size + " bytes", gpa, size);
        }
    }

    // ---- plain accesses (little-endian, any alignment) ----

    /**
     * Reads a byte.
     *
     * @param gpa the address
     * @return the byte
     */
    public byte getByte(long gpa) {
        check(gpa, 1);
        return segment.get(ValueLayout.JAVA_BYTE, gpa);
    }

    /**
     * Writes a byte.
     *
     * @param gpa the address
     * @param value the byte
     */
    public void setByte(long gpa, byte value) {
        check(gpa, 1);
        segment.set(ValueLayout.JAVA_BYTE, gpa, value);
    }

    /**
     * Reads a little-endian 16-bit value.
     *
     * @param gpa the address
     * @return the value
     */
    public short getShort(long gpa) {
        check(gpa, 2);
        return segment.get(U16, gpa);
    }

    /**
     * Writes a little-endian 16-bit value.
     *
     * @param gpa the address
     * @param value the value
     */
    public void setShort(long gpa, short value) {
        check(gpa, 2);
        segment.set(U16, gpa, value);
    }

    /**
     * Reads a little-endian 32-bit value (plain access).
     *
     * @param gpa the address
     * @return the value
     */
    public int getInt(long gpa) {
        check(gpa, 4);
        return segment.get(U32, gpa);
    }

    /**
     * Writes a little-endian 32-bit value (plain access).
     *
     * @param gpa the address
     * @param value the value
     */
    public void setInt(long gpa, int value) {
        check(gpa, 4);
        segment.set(U32, gpa, value);
    }

    /**
     * Reads a little-endian 64-bit value (plain access).
     *
     * @param gpa the address
     * @return the value
     */
    public long getLong(long gpa) {
        check(gpa, 8);
        return segment.get(U64, gpa);
    }

    /**
     * Writes a little-endian 64-bit value (plain access).
     *
     * @param gpa the address
     * @param value the value
     */
    public void setLong(long gpa, long value) {
        check(gpa, 8);
        segment.set(U64, gpa, value);
    }

    /**
     * Copies bytes out of guest memory.
     *
     * @param gpa the guest address of the first byte
     * @param dst the destination array
     * @param offset the first index written in {@code dst}
     * @param length the number of bytes
     */
    public void read(long gpa, byte[] dst, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, dst.length);
        check(gpa, length);
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, gpa, dst, offset, length);
    }

    /**
     * Copies bytes into guest memory.
     *
     * @param gpa the guest address of the first byte
     * @param src the source array
     * @param offset the first index read in {@code src}
     * @param length the number of bytes
     */
    public void write(long gpa, byte[] src, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
        check(gpa, length);
        MemorySegment.copy(src, offset, segment, ValueLayout.JAVA_BYTE, gpa, length);
    }

    /**
     * Copies bytes out of guest memory into a segment (one bulk segment copy, no temporary array).
     *
     * @param gpa the guest address of the first byte
     * @param dst the destination
     * @param dstOffset the first byte written in {@code dst}
     * @param length the number of bytes
     */
    @Override
    public void copyOut(long gpa, MemorySegment dst, long dstOffset, long length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.byteSize());
        check(gpa, length);
        MemorySegment.copy(segment, gpa, dst, dstOffset, length);
    }

    /**
     * Copies bytes from a segment into guest memory (one bulk segment copy, no temporary array).
     *
     * @param src the source
     * @param srcOffset the first byte read in {@code src}
     * @param gpa the guest address of the first byte written
     * @param length the number of bytes
     */
    @Override
    public void copyIn(MemorySegment src, long srcOffset, long gpa, long length) {
        Objects.checkFromIndexSize(srcOffset, length, src.byteSize());
        check(gpa, length);
        MemorySegment.copy(src, srcOffset, segment, gpa, length);
    }

    /**
     * Fills a range with a byte value.
     *
     * @param gpa the guest address of the first byte
     * @param length the number of bytes
     * @param value the fill value
     */
    public void fill(long gpa, long length, byte value) {
        check(gpa, length);
        segment.asSlice(gpa, length).fill(value);
    }

    // ---- 32-bit atomics (gpa must be 4-aligned) ----

    /**
     * Reads a 32-bit word with acquire semantics.
     *
     * @param gpa a 4-aligned address
     * @return the value
     */
    public int getIntAcquire(long gpa) {
        checkAligned(gpa, 4);
        return (int) INT.getAcquire(segment, gpa);
    }

    /**
     * Writes a 32-bit word with release semantics.
     *
     * @param gpa a 4-aligned address
     * @param value the value
     */
    public void setIntRelease(long gpa, int value) {
        checkAligned(gpa, 4);
        INT.setRelease(segment, gpa, value);
    }

    /**
     * Reads a 32-bit word with volatile semantics.
     *
     * @param gpa a 4-aligned address
     * @return the value
     */
    public int getIntVolatile(long gpa) {
        checkAligned(gpa, 4);
        return (int) INT.getVolatile(segment, gpa);
    }

    /**
     * Writes a 32-bit word with volatile semantics.
     *
     * @param gpa a 4-aligned address
     * @param value the value
     */
    public void setIntVolatile(long gpa, int value) {
        checkAligned(gpa, 4);
        INT.setVolatile(segment, gpa, value);
    }

    /**
     * Atomically sets a 32-bit word to {@code update} if it equals {@code expect}.
     *
     * @param gpa a 4-aligned address
     * @param expect the expected value
     * @param update the new value
     * @return true when the word was updated
     */
    public boolean compareAndSetInt(long gpa, int expect, int update) {
        checkAligned(gpa, 4);
        return INT.compareAndSet(segment, gpa, expect, update);
    }

    /**
     * Atomically sets a 32-bit word to {@code update} if it equals {@code expect}, returning the witness.
     *
     * @param gpa a 4-aligned address
     * @param expect the expected value
     * @param update the new value
     * @return the value seen (equal to {@code expect} exactly when the update happened)
     */
    public int compareAndExchangeInt(long gpa, int expect, int update) {
        checkAligned(gpa, 4);
        return (int) INT.compareAndExchange(segment, gpa, expect, update);
    }

    /**
     * Atomically ORs bits into a 32-bit word (a full fence).
     *
     * @param gpa a 4-aligned address
     * @param bits the bits to set
     * @return the previous value
     */
    public int getAndBitwiseOrInt(long gpa, int bits) {
        checkAligned(gpa, 4);
        return (int) INT.getAndBitwiseOr(segment, gpa, bits);
    }

    /**
     * Atomically ANDs a 32-bit word with a mask (a full fence).
     *
     * @param gpa a 4-aligned address
     * @param mask the bits to keep
     * @return the previous value
     */
    public int getAndBitwiseAndInt(long gpa, int mask) {
        checkAligned(gpa, 4);
        return (int) INT.getAndBitwiseAnd(segment, gpa, mask);
    }

    /**
     * Atomically adds to a 32-bit word.
     *
     * @param gpa a 4-aligned address
     * @param delta the addend
     * @return the previous value
     */
    public int getAndAddInt(long gpa, int delta) {
        checkAligned(gpa, 4);
        return (int) INT.getAndAdd(segment, gpa, delta);
    }

    /**
     * Atomically replaces a 32-bit word.
     *
     * @param gpa a 4-aligned address
     * @param value the new value
     * @return the previous value
     */
    public int getAndSetInt(long gpa, int value) {
        checkAligned(gpa, 4);
        return (int) INT.getAndSet(segment, gpa, value);
    }

    // ---- 64-bit atomics (gpa must be 8-aligned) ----

    /**
     * Reads a 64-bit word with acquire semantics.
     *
     * @param gpa an 8-aligned address
     * @return the value
     */
    public long getLongAcquire(long gpa) {
        checkAligned(gpa, 8);
        return (long) LONG.getAcquire(segment, gpa);
    }

    /**
     * Writes a 64-bit word with release semantics.
     *
     * @param gpa an 8-aligned address
     * @param value the value
     */
    public void setLongRelease(long gpa, long value) {
        checkAligned(gpa, 8);
        LONG.setRelease(segment, gpa, value);
    }

    /**
     * Reads a 64-bit word with volatile semantics.
     *
     * @param gpa an 8-aligned address
     * @return the value
     */
    public long getLongVolatile(long gpa) {
        checkAligned(gpa, 8);
        return (long) LONG.getVolatile(segment, gpa);
    }

    /**
     * Writes a 64-bit word with volatile semantics.
     *
     * @param gpa an 8-aligned address
     * @param value the value
     */
    public void setLongVolatile(long gpa, long value) {
        checkAligned(gpa, 8);
        LONG.setVolatile(segment, gpa, value);
    }

    /**
     * Atomically sets a 64-bit word to {@code update} if it equals {@code expect}.
     *
     * @param gpa an 8-aligned address
     * @param expect the expected value
     * @param update the new value
     * @return true when the word was updated
     */
    public boolean compareAndSetLong(long gpa, long expect, long update) {
        checkAligned(gpa, 8);
        return LONG.compareAndSet(segment, gpa, expect, update);
    }

    /**
     * Atomically ORs bits into a 64-bit word (a full fence).
     *
     * @param gpa an 8-aligned address
     * @param bits the bits to set
     * @return the previous value
     */
    public long getAndBitwiseOrLong(long gpa, long bits) {
        checkAligned(gpa, 8);
        return (long) LONG.getAndBitwiseOr(segment, gpa, bits);
    }

    /**
     * Atomically ANDs a 64-bit word with a mask (a full fence).
     *
     * @param gpa an 8-aligned address
     * @param mask the bits to keep
     * @return the previous value
     */
    public long getAndBitwiseAndLong(long gpa, long mask) {
        checkAligned(gpa, 8);
        return (long) LONG.getAndBitwiseAnd(segment, gpa, mask);
    }

    /**
     * Atomically replaces a 64-bit word.
     *
     * @param gpa an 8-aligned address
     * @param value the new value
     * @return the previous value
     */
    public long getAndSetLong(long gpa, long value) {
        checkAligned(gpa, 8);
        return (long) LONG.getAndSet(segment, gpa, value);
    }

    // ---- 8- and 16-bit atomics through the containing 32-bit word ----

    /**
     * Atomically ORs bits into a byte, through its aligned containing 32-bit word.
     *
     * @param gpa the byte's address (any alignment)
     * @param bits the bits to set
     * @return the previous value of the byte (0..255)
     */
    public int getAndBitwiseOrByte(long gpa, int bits) {
        long word = gpa & ~3L;
        int shift = (int) (gpa & 3) * 8;
        return (getAndBitwiseOrInt(word, (bits & 0xFF) << shift) >>> shift) & 0xFF;
    }

    /**
     * Atomically ANDs a byte with a mask, through its aligned containing 32-bit word.
     *
     * @param gpa the byte's address (any alignment)
     * @param mask the bits to keep
     * @return the previous value of the byte (0..255)
     */
    public int getAndBitwiseAndByte(long gpa, int mask) {
        long word = gpa & ~3L;
        int shift = (int) (gpa & 3) * 8;
        int keep = ~(0xFF << shift) | ((mask & 0xFF) << shift);
        return (getAndBitwiseAndInt(word, keep) >>> shift) & 0xFF;
    }

    /**
     * Atomically ORs bits into a 16-bit field, through its aligned containing 32-bit word.
     *
     * @param gpa the field's address, 2-aligned
     * @param bits the bits to set
     * @return the previous value of the field (0..65535)
     */
    public int getAndBitwiseOrShort(long gpa, int bits) {
        if ((gpa & 1) != 0) {
            throw new GuestMemoryFault("16-bit atomic access must be 2-aligned", gpa, 2);
        }
        long word = gpa & ~3L;
        int shift = (int) (gpa & 2) * 8;
        return (getAndBitwiseOrInt(word, (bits & 0xFFFF) << shift) >>> shift) & 0xFFFF;
    }

    /**
     * Atomically ANDs a 16-bit field with a mask, through its aligned containing 32-bit word.
     *
     * @param gpa the field's address, 2-aligned
     * @param mask the bits to keep
     * @return the previous value of the field (0..65535)
     */
    public int getAndBitwiseAndShort(long gpa, int mask) {
        if ((gpa & 1) != 0) {
            throw new GuestMemoryFault("16-bit atomic access must be 2-aligned", gpa, 2);
        }
        long word = gpa & ~3L;
        int shift = (int) (gpa & 2) * 8;
        int keep = ~(0xFFFF << shift) | ((mask & 0xFFFF) << shift);
        return (getAndBitwiseAndInt(word, keep) >>> shift) & 0xFFFF;
    }

    /**
     * Writes file-backed memory back to its file ({@link MemorySegment#force()}); a no-op for
     * arena-backed memory.
     */
    public void force() {
        if (segment.isMapped()) {
            segment.force();
        }
    }

    /**
     * Whether this memory is a memory-mapped file.
     *
     * @return true for {@link #mapFile(Path, long)} memory
     */
    public boolean isFileBacked() {
        return channel != null;
    }

    /**
     * Frees or unmaps the memory this object owns; afterwards every access throws
     * {@link IllegalStateException}. Memory made with {@link #wrap(MemorySegment)} is left alone.
     */
    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to release beyond the descriptor
            }
        }
    }

    @Override
    public String toString() {
        return "GuestMemory[" + frames + " frames" + (channel != null ? ", file-backed" : "") + "]";
    }
}
