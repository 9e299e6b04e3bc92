package io.pvkit.conformance.blk;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A multi-page ring as the backend sees it: the frontend's ring pages, each mapped on its own (they need not be
 * contiguous anywhere), addressed as one area. Aligned scalar accesses never straddle a page; byte copies are
 * split at page boundaries (a 112-byte slot may straddle two pages).
 */
final class PagedMemoryAccess implements MemoryAccess {
    private static final int SHIFT = GuestMemory.PAGE_SHIFT;
    private static final int MASK = GuestMemory.PAGE_SIZE - 1;
    private final GuestMemory[] pages;

    PagedMemoryAccess(List<MemorySegment> mapped) {
        pages = new GuestMemory[mapped.size()];
        for (int i = 0; i < pages.length; i++) {
            pages[i] = GuestMemory.wrap(mapped.get(i));
        }
    }

    private GuestMemory p(long gpa) {
        return pages[(int) (gpa >>> SHIFT)];
    }

    private static long o(long gpa) {
        return gpa & MASK;
    }

    @Override
    public long byteSize() {
        return (long) pages.length << SHIFT;
    }

    @Override
    public boolean contains(long gpa, long length) {
        return gpa >= 0 && length >= 0 && gpa + length <= byteSize();
    }

    @Override
    public byte getByte(long gpa) {
        return p(gpa).getByte(o(gpa));
    }

    @Override
    public void setByte(long gpa, byte value) {
        p(gpa).setByte(o(gpa), value);
    }

    @Override
    public short getShort(long gpa) {
        return p(gpa).getShort(o(gpa));
    }

    @Override
    public void setShort(long gpa, short value) {
        p(gpa).setShort(o(gpa), value);
    }

    @Override
    public int getInt(long gpa) {
        return p(gpa).getInt(o(gpa));
    }

    @Override
    public void setInt(long gpa, int value) {
        p(gpa).setInt(o(gpa), value);
    }

    @Override
    public long getLong(long gpa) {
        return p(gpa).getLong(o(gpa));
    }

    @Override
    public void setLong(long gpa, long value) {
        p(gpa).setLong(o(gpa), value);
    }

    @Override
    public void read(long gpa, byte[] dst, int offset, int length) {
        while (length > 0) {
            int n = (int) Math.min(length, GuestMemory.PAGE_SIZE - o(gpa));
            p(gpa).read(o(gpa), dst, offset, n);
            gpa += n;
            offset += n;
            length -= n;
        }
    }

    @Override
    public void write(long gpa, byte[] src, int offset, int length) {
        while (length > 0) {
            int n = (int) Math.min(length, GuestMemory.PAGE_SIZE - o(gpa));
            p(gpa).write(o(gpa), src, offset, n);
            gpa += n;
            offset += n;
            length -= n;
        }
    }

    @Override
    public void fill(long gpa, long length, byte value) {
        while (length > 0) {
            long n = Math.min(length, GuestMemory.PAGE_SIZE - o(gpa));
            p(gpa).fill(o(gpa), n, value);
            gpa += n;
            length -= n;
        }
    }

    @Override
    public int getIntAcquire(long gpa) {
        return p(gpa).getIntAcquire(o(gpa));
    }

    @Override
    public void setIntRelease(long gpa, int value) {
        p(gpa).setIntRelease(o(gpa), value);
    }

    @Override
    public int getIntVolatile(long gpa) {
        return p(gpa).getIntVolatile(o(gpa));
    }

    @Override
    public void setIntVolatile(long gpa, int value) {
        p(gpa).setIntVolatile(o(gpa), value);
    }

    @Override
    public boolean compareAndSetInt(long gpa, int expect, int update) {
        return p(gpa).compareAndSetInt(o(gpa), expect, update);
    }

    @Override
    public int compareAndExchangeInt(long gpa, int expect, int update) {
        return p(gpa).compareAndExchangeInt(o(gpa), expect, update);
    }

    @Override
    public int getAndBitwiseOrInt(long gpa, int bits) {
        return p(gpa).getAndBitwiseOrInt(o(gpa), bits);
    }

    @Override
    public int getAndBitwiseAndInt(long gpa, int mask) {
        return p(gpa).getAndBitwiseAndInt(o(gpa), mask);
    }

    @Override
    public int getAndAddInt(long gpa, int delta) {
        return p(gpa).getAndAddInt(o(gpa), delta);
    }

    @Override
    public int getAndSetInt(long gpa, int value) {
        return p(gpa).getAndSetInt(o(gpa), value);
    }

    @Override
    public long getLongAcquire(long gpa) {
        return p(gpa).getLongAcquire(o(gpa));
    }

    @Override
    public void setLongRelease(long gpa, long value) {
        p(gpa).setLongRelease(o(gpa), value);
    }

    @Override
    public long getLongVolatile(long gpa) {
        return p(gpa).getLongVolatile(o(gpa));
    }

    @Override
    public void setLongVolatile(long gpa, long value) {
        p(gpa).setLongVolatile(o(gpa), value);
    }

    @Override
    public boolean compareAndSetLong(long gpa, long expect, long update) {
        return p(gpa).compareAndSetLong(o(gpa), expect, update);
    }

    @Override
    public long getAndBitwiseOrLong(long gpa, long bits) {
        return p(gpa).getAndBitwiseOrLong(o(gpa), bits);
    }

    @Override
    public long getAndBitwiseAndLong(long gpa, long mask) {
        return p(gpa).getAndBitwiseAndLong(o(gpa), mask);
    }

    @Override
    public long getAndSetLong(long gpa, long value) {
        return p(gpa).getAndSetLong(o(gpa), value);
    }

    @Override
    public int getAndBitwiseOrByte(long gpa, int bits) {
        return p(gpa).getAndBitwiseOrByte(o(gpa), bits);
    }

    @Override
    public int getAndBitwiseAndByte(long gpa, int mask) {
        return p(gpa).getAndBitwiseAndByte(o(gpa), mask);
    }

    @Override
    public int getAndBitwiseOrShort(long gpa, int bits) {
        return p(gpa).getAndBitwiseOrShort(o(gpa), bits);
    }

    @Override
    public int getAndBitwiseAndShort(long gpa, int mask) {
        return p(gpa).getAndBitwiseAndShort(o(gpa), mask);
    }
}
