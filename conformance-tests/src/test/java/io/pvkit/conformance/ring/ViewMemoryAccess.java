package io.pvkit.conformance.ring;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.SharedMemoryView;

import java.lang.foreign.MemorySegment;

/**
 * pv-abi's {@link MemoryAccess} seam (which pv-rings runs over) in front of the kit's (possibly hostile)
 * view: the ring accesses map one to one; the atomics rings never use are unsupported.
 */
record ViewMemoryAccess(SharedMemoryView view) implements MemoryAccess {

    @Override
    public long byteSize() {
        return view.byteSize();
    }

    @Override
    public boolean contains(long gpa, long length) {
        return gpa >= 0 && length >= 0 && gpa <= view.byteSize() - length;
    }

    @Override
    public byte getByte(long gpa) {
        return view.getByte(gpa);
    }

    @Override
    public void setByte(long gpa, byte value) {
        view.setByte(gpa, value);
    }

    @Override
    public short getShort(long gpa) {
        return view.getShort(gpa);
    }

    @Override
    public void setShort(long gpa, short value) {
        view.setShort(gpa, value);
    }

    @Override
    public int getInt(long gpa) {
        return view.getInt(gpa);
    }

    @Override
    public void setInt(long gpa, int value) {
        view.setInt(gpa, value);
    }

    @Override
    public long getLong(long gpa) {
        return view.getLong(gpa);
    }

    @Override
    public void setLong(long gpa, long value) {
        view.setLong(gpa, value);
    }

    @Override
    public void read(long gpa, byte[] dst, int offset, int length) {
        view.copyTo(gpa, MemorySegment.ofArray(dst), offset, length);
    }

    @Override
    public void write(long gpa, byte[] src, int offset, int length) {
        view.copyFrom(MemorySegment.ofArray(src), offset, gpa, length);
    }

    @Override
    public void fill(long gpa, long length, byte value) {
        byte[] chunk = new byte[(int) Math.min(length, 4096)];
        java.util.Arrays.fill(chunk, value);
        for (long done = 0; done < length; done += chunk.length) {
            view.copyFrom(MemorySegment.ofArray(chunk), 0, gpa + done, Math.min(chunk.length, length - done));
        }
    }

    @Override
    public int getIntAcquire(long gpa) {
        return view.getIntAcquire(gpa);
    }

    @Override
    public void setIntRelease(long gpa, int value) {
        view.setIntRelease(gpa, value);
    }

    @Override
    public int getIntVolatile(long gpa) {
        return view.getIntVolatile(gpa);
    }

    @Override
    public void setIntVolatile(long gpa, int value) {
        view.setIntVolatile(gpa, value);
    }

    @Override
    public boolean compareAndSetInt(long gpa, int expect, int update) {
        throw new UnsupportedOperationException("compareAndSetInt: rings do not use it");
    }

    @Override
    public int compareAndExchangeInt(long gpa, int expect, int update) {
        throw new UnsupportedOperationException("compareAndExchangeInt: rings do not use it");
    }

    @Override
    public int getAndBitwiseOrInt(long gpa, int bits) {
        throw new UnsupportedOperationException("getAndBitwiseOrInt: rings do not use it");
    }

    @Override
    public int getAndBitwiseAndInt(long gpa, int mask) {
        throw new UnsupportedOperationException("getAndBitwiseAndInt: rings do not use it");
    }

    @Override
    public int getAndAddInt(long gpa, int delta) {
        throw new UnsupportedOperationException("getAndAddInt: rings do not use it");
    }

    @Override
    public int getAndSetInt(long gpa, int value) {
        throw new UnsupportedOperationException("getAndSetInt: rings do not use it");
    }

    @Override
    public long getLongAcquire(long gpa) {
        throw new UnsupportedOperationException("getLongAcquire: rings do not use it");
    }

    @Override
    public void setLongRelease(long gpa, long value) {
        throw new UnsupportedOperationException("setLongRelease: rings do not use it");
    }

    @Override
    public long getLongVolatile(long gpa) {
        throw new UnsupportedOperationException("getLongVolatile: rings do not use it");
    }

    @Override
    public void setLongVolatile(long gpa, long value) {
        throw new UnsupportedOperationException("setLongVolatile: rings do not use it");
    }

    @Override
    public boolean compareAndSetLong(long gpa, long expect, long update) {
        throw new UnsupportedOperationException("compareAndSetLong: rings do not use it");
    }

    @Override
    public long getAndBitwiseOrLong(long gpa, long bits) {
        throw new UnsupportedOperationException("getAndBitwiseOrLong: rings do not use it");
    }

    @Override
    public long getAndBitwiseAndLong(long gpa, long mask) {
        throw new UnsupportedOperationException("getAndBitwiseAndLong: rings do not use it");
    }

    @Override
    public long getAndSetLong(long gpa, long value) {
        throw new UnsupportedOperationException("getAndSetLong: rings do not use it");
    }

    @Override
    public int getAndBitwiseOrByte(long gpa, int bits) {
        throw new UnsupportedOperationException("getAndBitwiseOrByte: rings do not use it");
    }

    @Override
    public int getAndBitwiseAndByte(long gpa, int mask) {
        throw new UnsupportedOperationException("getAndBitwiseAndByte: rings do not use it");
    }

    @Override
    public int getAndBitwiseOrShort(long gpa, int bits) {
        throw new UnsupportedOperationException("getAndBitwiseOrShort: rings do not use it");
    }

    @Override
    public int getAndBitwiseAndShort(long gpa, int mask) {
        throw new UnsupportedOperationException("getAndBitwiseAndShort: rings do not use it");
    }
}
