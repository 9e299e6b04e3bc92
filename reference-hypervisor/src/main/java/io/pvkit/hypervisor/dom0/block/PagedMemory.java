package io.pvkit.hypervisor.dom0.block;

import io.pvkit.abi.memory.MemoryAccess;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A {@link MemoryAccess} over several separately mapped 4096-byte pages, seen as one contiguous area: what
 * Linux gets by mapping the {@code 2^ring-page-order} granted ring pages at consecutive virtual addresses
 * ({@code xenbus_map_ring_valloc}). Address {@code a} is byte {@code a & 4095} of page {@code a >>> 12}.
 *
 * <p>Scalar and atomic accesses must lie inside one page (every naturally aligned access does: the ring
 * header's indices and each slot field are aligned); a straddling one throws
 * {@link IndexOutOfBoundsException}. Byte-range operations ({@link #read}, {@link #write}, {@link #fill},
 * {@link #copyOut}, {@link #copyIn}) are split at page boundaries. The pages are grant mappings: once one
 * is unmapped every access through it throws {@link IllegalStateException}.
 */
final class PagedMemory implements MemoryAccess {
    private static final int SHIFT = 12;
    private static final long PAGE = 1L << SHIFT;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment[] pages;

    PagedMemory(MemorySegment[] pages) {
        this.pages = pages.clone();
        for (MemorySegment p : this.pages) {
            if (Objects.requireNonNull(p, "page").byteSize() != PAGE) {
                throw new IllegalArgumentException("pages must be 4096 bytes: " + p.byteSize());
            }
        }
    }

    @Override
    public long byteSize() {
        return pages.length * PAGE;
    }

    @Override
    public boolean contains(long gpa, long length) {
        return gpa >= 0 && length >= 0 && gpa <= byteSize() && length <= byteSize() - gpa;
    }

    /** The page of a {@code size}-byte access at {@code gpa} that must not straddle pages. */
    private MemorySegment page(long gpa, int size) {
        long off = gpa & (PAGE - 1);
        if (!contains(gpa, size) || off + size > PAGE) {
            throw new IndexOutOfBoundsException("access of " + size + " bytes at 0x" + Long.toHexString(gpa)
                    + " outside one page of a " + byteSize() + "-byte area");
        }
        return pages[(int) (gpa >>> SHIFT)];
    }

    private static long off(long gpa) {
        return gpa & (PAGE - 1);
    }

    /** Byte ranges: calls {@code op(page, offsetInPage, positionInRange, length)} per page piece. */
    private void range(long gpa, long length, RangeOp op) {
        if (!contains(gpa, length)) {
            throw new IndexOutOfBoundsException("range 0x" + Long.toHexString(gpa) + "+" + length + " outside "
                    + byteSize() + " bytes");
        }
        long done = 0;
        while (done < length) {
            long a = gpa + done;
            long n = Math.min(length - done, PAGE - off(a));
            op.apply(pages[(int) (a >>> SHIFT)], off(a), done, n);
            done += n;
        }
    }

    @FunctionalInterface
    private interface RangeOp {
        void apply(MemorySegment page, long offset, long position, long length);
    }

    @Override
    public byte getByte(long gpa) {
        return page(gpa, 1).get(ValueLayout.JAVA_BYTE, off(gpa));
    }

    @Override
    public void setByte(long gpa, byte value) {
        page(gpa, 1).set(ValueLayout.JAVA_BYTE, off(gpa), value);
    }

    @Override
    public short getShort(long gpa) {
        return page(gpa, 2).get(ValueLayout.JAVA_SHORT_UNALIGNED, off(gpa));
    }

    @Override
    public void setShort(long gpa, short value) {
        page(gpa, 2).set(ValueLayout.JAVA_SHORT_UNALIGNED, off(gpa), value);
    }

    @Override
    public int getInt(long gpa) {
        return page(gpa, 4).get(ValueLayout.JAVA_INT_UNALIGNED, off(gpa));
    }

    @Override
    public void setInt(long gpa, int value) {
        page(gpa, 4).set(ValueLayout.JAVA_INT_UNALIGNED, off(gpa), value);
    }

    @Override
    public long getLong(long gpa) {
        return page(gpa, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, off(gpa));
    }

    @Override
    public void setLong(long gpa, long value) {
        page(gpa, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, off(gpa), value);
    }

    @Override
    public void read(long gpa, byte[] dst, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, dst.length);
        range(gpa, length, (p, o, pos, n) ->
                MemorySegment.copy(p, ValueLayout.JAVA_BYTE, o, dst, offset + (int) pos, (int) n));
    }

    @Override
    public void write(long gpa, byte[] src, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
        range(gpa, length, (p, o, pos, n) ->
                MemorySegment.copy(src, offset + (int) pos, p, ValueLayout.JAVA_BYTE, o, (int) n));
    }

    @Override
    public void copyOut(long gpa, MemorySegment dst, long dstOffset, long length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.byteSize());
        range(gpa, length, (p, o, pos, n) -> MemorySegment.copy(p, o, dst, dstOffset + pos, n));
    }

    @Override
    public void copyIn(MemorySegment src, long srcOffset, long gpa, long length) {
        Objects.checkFromIndexSize(srcOffset, length, src.byteSize());
        range(gpa, length, (p, o, pos, n) -> MemorySegment.copy(src, srcOffset + pos, p, o, n));
    }

    @Override
    public void fill(long gpa, long length, byte value) {
        range(gpa, length, (p, o, pos, n) -> p.asSlice(o, n).fill(value));
    }

    @Override
    public int getIntAcquire(long gpa) {
        return (int) INT.getAcquire(page(gpa, 4), off(gpa));
    }

    @Override
    public void setIntRelease(long gpa, int value) {
        INT.setRelease(page(gpa, 4), off(gpa), value);
    }

    @Override
    public int getIntVolatile(long gpa) {
        return (int) INT.getVolatile(page(gpa, 4), off(gpa));
    }

    @Override
    public void setIntVolatile(long gpa, int value) {
        INT.setVolatile(page(gpa, 4), off(gpa), value);
    }

    @Override
    public boolean compareAndSetInt(long gpa, int expect, int update) {
        return INT.compareAndSet(page(gpa, 4), off(gpa), expect, update);
    }

    @Override
    public int compareAndExchangeInt(long gpa, int expect, int update) {
        return (int) INT.compareAndExchange(page(gpa, 4), off(gpa), expect, update);
    }

    @Override
    public int getAndBitwiseOrInt(long gpa, int bits) {
        return (int) INT.getAndBitwiseOr(page(gpa, 4), off(gpa), bits);
    }

    @Override
    public int getAndBitwiseAndInt(long gpa, int mask) {
        return (int) INT.getAndBitwiseAnd(page(gpa, 4), off(gpa), mask);
    }

    @Override
    public int getAndAddInt(long gpa, int delta) {
        return (int) INT.getAndAdd(page(gpa, 4), off(gpa), delta);
    }

    @Override
    public int getAndSetInt(long gpa, int value) {
        return (int) INT.getAndSet(page(gpa, 4), off(gpa), value);
    }

    @Override
    public long getLongAcquire(long gpa) {
        return (long) LONG.getAcquire(page(gpa, 8), off(gpa));
    }

    @Override
    public void setLongRelease(long gpa, long value) {
        LONG.setRelease(page(gpa, 8), off(gpa), value);
    }

    @Override
    public long getLongVolatile(long gpa) {
        return (long) LONG.getVolatile(page(gpa, 8), off(gpa));
    }

    @Override
    public void setLongVolatile(long gpa, long value) {
        LONG.setVolatile(page(gpa, 8), off(gpa), value);
    }

    @Override
    public boolean compareAndSetLong(long gpa, long expect, long update) {
        return LONG.compareAndSet(page(gpa, 8), off(gpa), expect, update);
    }

    @Override
    public long getAndBitwiseOrLong(long gpa, long bits) {
        return (long) LONG.getAndBitwiseOr(page(gpa, 8), off(gpa), bits);
    }

    @Override
    public long getAndBitwiseAndLong(long gpa, long mask) {
        return (long) LONG.getAndBitwiseAnd(page(gpa, 8), off(gpa), mask);
    }

    @Override
    public long getAndSetLong(long gpa, long value) {
        return (long) LONG.getAndSet(page(gpa, 8), off(gpa), value);
    }

    @Override
    public int getAndBitwiseOrByte(long gpa, int bits) {
        int shift = (int) (gpa & 3) * 8;
        return (getAndBitwiseOrInt(gpa & ~3L, (bits & 0xFF) << shift) >>> shift) & 0xFF;
    }

    @Override
    public int getAndBitwiseAndByte(long gpa, int mask) {
        int shift = (int) (gpa & 3) * 8;
        return (getAndBitwiseAndInt(gpa & ~3L, ~(0xFF << shift) | ((mask & 0xFF) << shift)) >>> shift) & 0xFF;
    }

    @Override
    public int getAndBitwiseOrShort(long gpa, int bits) {
        checkShort(gpa);
        int shift = (int) (gpa & 2) * 8;
        return (getAndBitwiseOrInt(gpa & ~3L, (bits & 0xFFFF) << shift) >>> shift) & 0xFFFF;
    }

    @Override
    public int getAndBitwiseAndShort(long gpa, int mask) {
        checkShort(gpa);
        int shift = (int) (gpa & 2) * 8;
        return (getAndBitwiseAndInt(gpa & ~3L, ~(0xFFFF << shift) | ((mask & 0xFFFF) << shift)) >>> shift) & 0xFFFF;
    }

    private static void checkShort(long gpa) {
        if ((gpa & 1) != 0) {
            throw new IllegalArgumentException("16-bit atomic access must be 2-aligned: 0x" + Long.toHexString(gpa));
        }
    }
}
