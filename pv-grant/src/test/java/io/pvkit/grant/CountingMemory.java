package io.pvkit.grant;

import io.pvkit.abi.memory.MemoryAccess;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A test view of real memory that counts the accesses overlapping registered addresses and runs a peer's
 * action on the real memory right after the n-th access of one (deterministic, single-threaded). pv-grant's
 * own tests use it to check which accesses go through the entries' seam; the conformance kit's
 * {@code HostileMemory} does the same for third parties.
 */
final class CountingMemory implements MemoryAccess {
    private final MemoryAccess real;
    private final Map<Long, int[]> counts = new HashMap<>();
    private final Map<Long, Map<Integer, Consumer<MemoryAccess>>> hooks = new HashMap<>();

    CountingMemory(MemoryAccess real) {
        this.real = real;
    }

    /** Counts the accesses overlapping the 4 bytes at {@code gpa}. */
    CountingMemory watch(long gpa) {
        counts.putIfAbsent(gpa, new int[1]);
        return this;
    }

    /** Runs {@code peer} on the real memory right after the n-th access (1-based) of the 4 bytes at {@code gpa}. */
    CountingMemory afterAccess(long gpa, int n, Consumer<MemoryAccess> peer) {
        watch(gpa);
        hooks.computeIfAbsent(gpa, k -> new HashMap<>()).put(n, peer);
        return this;
    }

    int accesses(long gpa) {
        return counts.get(gpa)[0];
    }

    int total() {
        int n = 0;
        for (int[] c : counts.values()) {
            n += c[0];
        }
        return n;
    }

    void reset() {
        counts.values().forEach(c -> c[0] = 0);
    }

    private Consumer<MemoryAccess> pending;

    private void count(long gpa) {
        count(gpa, 1);
    }

    private void count(long gpa, long length) {
        pending = null;
        for (Map.Entry<Long, int[]> e : counts.entrySet()) {
            long w = e.getKey();
            if (gpa < w + 4 && w < gpa + Math.max(length, 1)) {
                int n = ++e.getValue()[0];
                Map<Integer, Consumer<MemoryAccess>> h = hooks.get(w);
                if (h != null && h.containsKey(n)) {
                    pending = h.get(n);
                }
            }
        }
    }

    private void after(long gpa) {
        Consumer<MemoryAccess> p = pending;
        pending = null;
        if (p != null) {
            p.accept(real);
        }
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
        count(gpa);
        byte v = real.getByte(gpa);
        after(gpa);
        return v;
    }

    @Override
    public void setByte(long gpa, byte value) {
        count(gpa);
        real.setByte(gpa, value);
        after(gpa);
    }

    @Override
    public short getShort(long gpa) {
        count(gpa);
        short v = real.getShort(gpa);
        after(gpa);
        return v;
    }

    @Override
    public void setShort(long gpa, short value) {
        count(gpa);
        real.setShort(gpa, value);
        after(gpa);
    }

    @Override
    public int getInt(long gpa) {
        count(gpa);
        int v = real.getInt(gpa);
        after(gpa);
        return v;
    }

    @Override
    public void setInt(long gpa, int value) {
        count(gpa);
        real.setInt(gpa, value);
        after(gpa);
    }

    @Override
    public long getLong(long gpa) {
        count(gpa, 8);
        long v = real.getLong(gpa);
        after(gpa);
        return v;
    }

    @Override
    public void setLong(long gpa, long value) {
        count(gpa, 8);
        real.setLong(gpa, value);
        after(gpa);
    }

    @Override
    public void read(long gpa, byte[] dst, int offset, int length) {
        count(gpa, length);
        real.read(gpa, dst, offset, length);
        after(gpa);
    }

    @Override
    public void write(long gpa, byte[] src, int offset, int length) {
        count(gpa, length);
        real.write(gpa, src, offset, length);
        after(gpa);
    }

    @Override
    public void fill(long gpa, long length, byte value) {
        count(gpa, length);
        real.fill(gpa, length, value);
        after(gpa);
    }

    @Override
    public int getIntAcquire(long gpa) {
        count(gpa);
        int v = real.getIntAcquire(gpa);
        after(gpa);
        return v;
    }

    @Override
    public void setIntRelease(long gpa, int value) {
        count(gpa);
        real.setIntRelease(gpa, value);
        after(gpa);
    }

    @Override
    public int getIntVolatile(long gpa) {
        count(gpa);
        int v = real.getIntVolatile(gpa);
        after(gpa);
        return v;
    }

    @Override
    public void setIntVolatile(long gpa, int value) {
        count(gpa);
        real.setIntVolatile(gpa, value);
        after(gpa);
    }

    @Override
    public boolean compareAndSetInt(long gpa, int expect, int update) {
        count(gpa);
        boolean v = real.compareAndSetInt(gpa, expect, update);
        after(gpa);
        return v;
    }

    @Override
    public int compareAndExchangeInt(long gpa, int expect, int update) {
        count(gpa);
        int v = real.compareAndExchangeInt(gpa, expect, update);
        after(gpa);
        return v;
    }

    @Override
    public int getAndBitwiseOrInt(long gpa, int bits) {
        count(gpa);
        int v = real.getAndBitwiseOrInt(gpa, bits);
        after(gpa);
        return v;
    }

    @Override
    public int getAndBitwiseAndInt(long gpa, int mask) {
        count(gpa);
        int v = real.getAndBitwiseAndInt(gpa, mask);
        after(gpa);
        return v;
    }

    @Override
    public int getAndAddInt(long gpa, int delta) {
        count(gpa);
        int v = real.getAndAddInt(gpa, delta);
        after(gpa);
        return v;
    }

    @Override
    public int getAndSetInt(long gpa, int value) {
        count(gpa);
        int v = real.getAndSetInt(gpa, value);
        after(gpa);
        return v;
    }

    @Override
    public long getLongAcquire(long gpa) {
        count(gpa, 8);
        long v = real.getLongAcquire(gpa);
        after(gpa);
        return v;
    }

    @Override
    public void setLongRelease(long gpa, long value) {
        count(gpa, 8);
        real.setLongRelease(gpa, value);
        after(gpa);
    }

    @Override
    public long getLongVolatile(long gpa) {
        count(gpa, 8);
        long v = real.getLongVolatile(gpa);
        after(gpa);
        return v;
    }

    @Override
    public void setLongVolatile(long gpa, long value) {
        count(gpa, 8);
        real.setLongVolatile(gpa, value);
        after(gpa);
    }

    @Override
    public boolean compareAndSetLong(long gpa, long expect, long update) {
        count(gpa, 8);
        boolean v = real.compareAndSetLong(gpa, expect, update);
        after(gpa);
        return v;
    }

    @Override
    public long getAndBitwiseOrLong(long gpa, long bits) {
        count(gpa, 8);
        long v = real.getAndBitwiseOrLong(gpa, bits);
        after(gpa);
        return v;
    }

    @Override
    public long getAndBitwiseAndLong(long gpa, long mask) {
        count(gpa, 8);
        long v = real.getAndBitwiseAndLong(gpa, mask);
        after(gpa);
        return v;
    }

    @Override
    public long getAndSetLong(long gpa, long value) {
        count(gpa, 8);
        long v = real.getAndSetLong(gpa, value);
        after(gpa);
        return v;
    }

    @Override
    public int getAndBitwiseOrByte(long gpa, int bits) {
        count(gpa);
        int v = real.getAndBitwiseOrByte(gpa, bits);
        after(gpa);
        return v;
    }

    @Override
    public int getAndBitwiseAndByte(long gpa, int mask) {
        count(gpa);
        int v = real.getAndBitwiseAndByte(gpa, mask);
        after(gpa);
        return v;
    }

    @Override
    public int getAndBitwiseOrShort(long gpa, int bits) {
        count(gpa);
        int v = real.getAndBitwiseOrShort(gpa, bits);
        after(gpa);
        return v;
    }

    @Override
    public int getAndBitwiseAndShort(long gpa, int mask) {
        count(gpa);
        int v = real.getAndBitwiseAndShort(gpa, mask);
        after(gpa);
        return v;
    }
}
