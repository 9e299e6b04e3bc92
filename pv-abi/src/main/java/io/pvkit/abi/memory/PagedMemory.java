package io.pvkit.abi.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A {@link MemoryAccess} over several separately mapped 4096-byte pages, seen as one contiguous area: what
 * Linux gets by mapping the {@code 2^ring-page-order} granted pages of a multi-page ring at consecutive
 * virtual addresses ({@code xenbus_map_ring_valloc}). Address {@code a} is byte {@code a & 4095} of page
 * {@code a >>> 12}.
 *
 * <p>Scalar and atomic accesses must lie inside one page (every naturally aligned access does: a ring
 * header's indices and each slot's fields are aligned); a straddling one throws
 * {@link IndexOutOfBoundsException}. Byte-range operations ({@link #read}, {@link #write}, {@link #fill},
 * {@link #copyOut}, {@link #copyIn}) are split at page boundaries and allocate nothing. The pages are
 * typically grant mappings: once one is unmapped (its arena closed), every access through it throws
 * {@link IllegalStateException}, as it would through the page itself.
 *
 * <p>Thread safety: as safe as the pages' segments; the page array is fixed at construction.
 */
public final class PagedMemory implements MemoryAccess {
    private static final int SHIFT = GuestMemory.PAGE_SHIFT;
    private static final long PAGE = 1L << SHIFT;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment[] pages;

    private PagedMemory(MemorySegment[] pages) {
        this.pages = pages.clone();
        if (this.pages.length == 0) {
            throw new IllegalArgumentException("at least one page");
        }
        for (MemorySegment p : this.pages) {
            if (Objects.requireNonNull(p, "page").byteSize() != PAGE) {
                throw new IllegalArgumentException("pages must be " + PAGE + " bytes: " + p.byteSize());
            }
        }
    }

    /**
     * Views {@code pages} as one contiguous area, page {@code i} at address {@code i * 4096}.
     *
     * @param pages at least one segment of exactly 4096 bytes each (the array is copied)
     * @return the view
     * @throws IllegalArgumentException when there is no page or one is not 4096 bytes
     */
    public static PagedMemory of(MemorySegment... pages) {
        return new PagedMemory(pages);
    }

    /**
     * The number of pages.
     *
     * @return the page count
     */
    public int pageCount() {
        return pages.length;
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

    private void checkRange(long gpa, long length) {
        if (!contains(gpa, length)) {
            throw new IndexOutOfBoundsException("range 0x" + Long.toHexString(gpa) + "+" + length + " outside "
                    + byteSize() + " bytes");
        }
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
        checkRange(gpa, length);
        for (long done = 0; done < length; ) {
            long a = gpa + done;
            int n = (int) Math.min(length - done, PAGE - off(a));
            MemorySegment.copy(pages[(int) (a >>> SHIFT)], ValueLayout.JAVA_BYTE, off(a), dst, offset + (int) done, n);
            done += n;
        }
    }

    @Override
    public void write(long gpa, byte[] src, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
        checkRange(gpa, length);
        for (long done = 0; done < length; ) {
            long a = gpa + done;
            int n = (int) Math.min(length - done, PAGE - off(a));
            MemorySegment.copy(src, offset + (int) done, pages[(int) (a >>> SHIFT)], ValueLayout.JAVA_BYTE, off(a), n);
            done += n;
        }
    }

    @Override
    public void copyOut(long gpa, MemorySegment dst, long dstOffset, long length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.byteSize());
        checkRange(gpa, length);
        for (long done = 0; done < length; ) {
            long a = gpa + done;
            long n = Math.min(length - done, PAGE - off(a));
            MemorySegment.copy(pages[(int) (a >>> SHIFT)], off(a), dst, dstOffset + done, n);
            done += n;
        }
    }

    @Override
    public void copyIn(MemorySegment src, long srcOffset, long gpa, long length) {
        Objects.checkFromIndexSize(srcOffset, length, src.byteSize());
        checkRange(gpa, length);
        for (long done = 0; done < length; ) {
            long a = gpa + done;
            long n = Math.min(length - done, PAGE - off(a));
            MemorySegment.copy(src, srcOffset + done, pages[(int) (a >>> SHIFT)], off(a), n);
            done += n;
        }
    }

    @Override
    public void fill(long gpa, long length, byte value) {
        checkRange(gpa, length);
        for (long done = 0; done < length; ) {
            long a = gpa + done;
            long n = Math.min(length - done, PAGE - off(a));
            pages[(int) (a >>> SHIFT)].asSlice(off(a), n).fill(value);
            done += n;
        }
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
