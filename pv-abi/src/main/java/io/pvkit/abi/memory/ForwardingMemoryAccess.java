package io.pvkit.abi.memory;

import java.util.Objects;

/**
 * A {@link MemoryAccess} that forwards every access to another one: the base of a decorator that watches or
 * changes some accesses (counting reads, injecting a fault, changing a field between two reads) and leaves
 * the rest alone, in the manner of Guava's {@code Forwarding*} classes. A VMM can also use it to put its own
 * bookkeeping between a protocol and its memory.
 *
 * <p>{@link #copyOut} and {@link #copyIn} are deliberately not forwarded: they keep the interface's
 * default, which goes through {@link #read} and {@link #write}, so that a subclass that watches those sees
 * segment copies too.
 *
 * {@snippet :
 * MemoryAccess counting = new ForwardingMemoryAccess(GuestMemory.allocate(4)) {
 *     @Override
 *     public int getIntAcquire(long gpa) {
 *         reads.incrementAndGet();            // an AtomicInteger of the test
 *         return delegate().getIntAcquire(gpa);
 *     }
 * };
 * }
 */
public abstract class ForwardingMemoryAccess implements MemoryAccess {
    private final MemoryAccess real;

    /**
     * Forwards to {@code real}.
     *
     * @param real the memory every access goes to
     */
    protected ForwardingMemoryAccess(MemoryAccess real) {
        this.real = Objects.requireNonNull(real, "real");
    }

    /**
     * The memory every access goes to.
     *
     * @return the delegate
     */
    protected final MemoryAccess delegate() {
        return real;
    }

    @Override
    public long byteSize() {
        return real.byteSize();
    }

    @Override
    public boolean contains(long gpa, long length) {
        return real.contains(gpa, length);
    }

    @Override
    public byte getByte(long gpa) {
        return real.getByte(gpa);
    }

    @Override
    public void setByte(long gpa, byte value) {
        real.setByte(gpa, value);
    }

    @Override
    public short getShort(long gpa) {
        return real.getShort(gpa);
    }

    @Override
    public void setShort(long gpa, short value) {
        real.setShort(gpa, value);
    }

    @Override
    public int getInt(long gpa) {
        return real.getInt(gpa);
    }

    @Override
    public void setInt(long gpa, int value) {
        real.setInt(gpa, value);
    }

    @Override
    public long getLong(long gpa) {
        return real.getLong(gpa);
    }

    @Override
    public void setLong(long gpa, long value) {
        real.setLong(gpa, value);
    }

    @Override
    public void read(long gpa, byte[] dst, int offset, int length) {
        real.read(gpa, dst, offset, length);
    }

    @Override
    public void write(long gpa, byte[] src, int offset, int length) {
        real.write(gpa, src, offset, length);
    }

    @Override
    public void fill(long gpa, long length, byte value) {
        real.fill(gpa, length, value);
    }

    @Override
    public void releaseFence() {
        delegate().releaseFence();
    }

    @Override
    public int getIntAcquire(long gpa) {
        return real.getIntAcquire(gpa);
    }

    @Override
    public void setIntRelease(long gpa, int value) {
        real.setIntRelease(gpa, value);
    }

    @Override
    public int getIntVolatile(long gpa) {
        return real.getIntVolatile(gpa);
    }

    @Override
    public void setIntVolatile(long gpa, int value) {
        real.setIntVolatile(gpa, value);
    }

    @Override
    public boolean compareAndSetInt(long gpa, int expect, int update) {
        return real.compareAndSetInt(gpa, expect, update);
    }

    @Override
    public int compareAndExchangeInt(long gpa, int expect, int update) {
        return real.compareAndExchangeInt(gpa, expect, update);
    }

    @Override
    public int getAndBitwiseOrInt(long gpa, int bits) {
        return real.getAndBitwiseOrInt(gpa, bits);
    }

    @Override
    public int getAndBitwiseAndInt(long gpa, int mask) {
        return real.getAndBitwiseAndInt(gpa, mask);
    }

    @Override
    public int getAndAddInt(long gpa, int delta) {
        return real.getAndAddInt(gpa, delta);
    }

    @Override
    public int getAndSetInt(long gpa, int value) {
        return real.getAndSetInt(gpa, value);
    }

    @Override
    public long getLongAcquire(long gpa) {
        return real.getLongAcquire(gpa);
    }

    @Override
    public void setLongRelease(long gpa, long value) {
        real.setLongRelease(gpa, value);
    }

    @Override
    public long getLongVolatile(long gpa) {
        return real.getLongVolatile(gpa);
    }

    @Override
    public void setLongVolatile(long gpa, long value) {
        real.setLongVolatile(gpa, value);
    }

    @Override
    public boolean compareAndSetLong(long gpa, long expect, long update) {
        return real.compareAndSetLong(gpa, expect, update);
    }

    @Override
    public long getAndBitwiseOrLong(long gpa, long bits) {
        return real.getAndBitwiseOrLong(gpa, bits);
    }

    @Override
    public long getAndBitwiseAndLong(long gpa, long mask) {
        return real.getAndBitwiseAndLong(gpa, mask);
    }

    @Override
    public long getAndSetLong(long gpa, long value) {
        return real.getAndSetLong(gpa, value);
    }

    @Override
    public int getAndBitwiseOrByte(long gpa, int bits) {
        return real.getAndBitwiseOrByte(gpa, bits);
    }

    @Override
    public int getAndBitwiseAndByte(long gpa, int mask) {
        return real.getAndBitwiseAndByte(gpa, mask);
    }

    @Override
    public int getAndBitwiseOrShort(long gpa, int bits) {
        return real.getAndBitwiseOrShort(gpa, bits);
    }

    @Override
    public int getAndBitwiseAndShort(long gpa, int mask) {
        return real.getAndBitwiseAndShort(gpa, mask);
    }
}
