package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.memory.ForwardingMemoryAccess;
import io.pvkit.abi.memory.MemoryAccess;

import java.util.ArrayList;
import java.util.List;

/**
 * The memory a granting guest writes its table through in FE-11: forwards every access and logs each write that
 * touches the table, with the entry it touched as it is right after the write and whether the write was ordered
 * (release, volatile, an atomic read-modify-write, or a store after {@link MemoryAccess#releaseFence()}). The kit replays the log to see what a hypervisor reading the
 * entry at any moment could have seen: an entry that is valid ({@code GTF_permit_access}) before its frame and domid
 * are written, or made valid by a plain store, is a hypervisor mapping a frame that was never granted. The granting
 * code runs on the test's thread while the log is read, so "right after the write" is exact.
 */
final class EntryWriteLog extends ForwardingMemoryAccess {

    /**
     * One write that touched the table, once for each entry it touched.
     *
     * @param gpa the first byte written
     * @param length how many bytes
     * @param ordered true for a release or volatile store, an atomic read-modify-write, or a store after a
     *     {@link #releaseFence()} with no write of the table between them
     * @param entryGpa the table entry it touched
     * @param entryAfter that 8-byte entry right after the write (flags in bits 0-15, domid 16-31, frame 32-63)
     */
    record Write(long gpa, long length, boolean ordered, long entryGpa, long entryAfter) {
    }

    private final long tableStart;
    private final long tableEnd;
    private final List<Write> writes = new ArrayList<>();

    /** Whether {@link #releaseFence()} was called after the last write of the table. Guarded by this. */
    private boolean fenced;

    /**
     * Logs the writes to {@code [tableStart, tableEnd)} made through this memory.
     *
     * @param real the granting domain's memory
     * @param tableStart the first byte of the table
     * @param tableEnd the first byte after it
     */
    EntryWriteLog(MemoryAccess real, long tableStart, long tableEnd) {
        super(real);
        this.tableStart = tableStart;
        this.tableEnd = tableEnd;
    }

    /** @return the writes logged since the last {@link #clear()} */
    synchronized List<Write> writes() {
        return List.copyOf(writes);
    }

    synchronized void clear() {
        writes.clear();
        fenced = false;
    }

    private synchronized void log(long gpa, long length, boolean ordered) {
        long entry = Math.max(gpa, tableStart);
        entry -= (entry - tableStart) % GrantEntryV1Layout.SIZE;
        // a plain store after a release fence is ordered after every write of the table before the fence
        boolean afterFence = fenced && entry < tableEnd && entry < gpa + length;
        for (; entry < tableEnd && entry < gpa + length; entry += GrantEntryV1Layout.SIZE) {
            writes.add(new Write(gpa, length, ordered || afterFence, entry, delegate().getLongVolatile(entry)));
            fenced = false;
        }
    }

    @Override
    public synchronized void releaseFence() {
        delegate().releaseFence();
        fenced = true;
    }

    @Override
    public void setByte(long gpa, byte value) {
        delegate().setByte(gpa, value);
        log(gpa, 1, false);
    }

    @Override
    public void setShort(long gpa, short value) {
        delegate().setShort(gpa, value);
        log(gpa, 2, false);
    }

    @Override
    public void setInt(long gpa, int value) {
        delegate().setInt(gpa, value);
        log(gpa, 4, false);
    }

    @Override
    public void setLong(long gpa, long value) {
        delegate().setLong(gpa, value);
        log(gpa, 8, false);
    }

    @Override
    public void write(long gpa, byte[] src, int offset, int length) {
        delegate().write(gpa, src, offset, length);
        log(gpa, length, false);
    }

    @Override
    public void fill(long gpa, long length, byte value) {
        delegate().fill(gpa, length, value);
        log(gpa, length, false);
    }

    @Override
    public void setIntRelease(long gpa, int value) {
        delegate().setIntRelease(gpa, value);
        log(gpa, 4, true);
    }

    @Override
    public void setIntVolatile(long gpa, int value) {
        delegate().setIntVolatile(gpa, value);
        log(gpa, 4, true);
    }

    @Override
    public boolean compareAndSetInt(long gpa, int expect, int update) {
        boolean done = delegate().compareAndSetInt(gpa, expect, update);
        log(gpa, 4, true);
        return done;
    }

    @Override
    public int compareAndExchangeInt(long gpa, int expect, int update) {
        int witness = delegate().compareAndExchangeInt(gpa, expect, update);
        log(gpa, 4, true);
        return witness;
    }

    @Override
    public int getAndBitwiseOrInt(long gpa, int bits) {
        int old = delegate().getAndBitwiseOrInt(gpa, bits);
        log(gpa, 4, true);
        return old;
    }

    @Override
    public int getAndBitwiseAndInt(long gpa, int mask) {
        int old = delegate().getAndBitwiseAndInt(gpa, mask);
        log(gpa, 4, true);
        return old;
    }

    @Override
    public int getAndAddInt(long gpa, int delta) {
        int old = delegate().getAndAddInt(gpa, delta);
        log(gpa, 4, true);
        return old;
    }

    @Override
    public int getAndSetInt(long gpa, int value) {
        int old = delegate().getAndSetInt(gpa, value);
        log(gpa, 4, true);
        return old;
    }

    @Override
    public void setLongRelease(long gpa, long value) {
        delegate().setLongRelease(gpa, value);
        log(gpa, 8, true);
    }

    @Override
    public void setLongVolatile(long gpa, long value) {
        delegate().setLongVolatile(gpa, value);
        log(gpa, 8, true);
    }

    @Override
    public boolean compareAndSetLong(long gpa, long expect, long update) {
        boolean done = delegate().compareAndSetLong(gpa, expect, update);
        log(gpa, 8, true);
        return done;
    }

    @Override
    public long getAndBitwiseOrLong(long gpa, long bits) {
        long old = delegate().getAndBitwiseOrLong(gpa, bits);
        log(gpa, 8, true);
        return old;
    }

    @Override
    public long getAndBitwiseAndLong(long gpa, long mask) {
        long old = delegate().getAndBitwiseAndLong(gpa, mask);
        log(gpa, 8, true);
        return old;
    }

    @Override
    public long getAndSetLong(long gpa, long value) {
        long old = delegate().getAndSetLong(gpa, value);
        log(gpa, 8, true);
        return old;
    }

    @Override
    public int getAndBitwiseOrByte(long gpa, int bits) {
        int old = delegate().getAndBitwiseOrByte(gpa, bits);
        log(gpa, 1, true);
        return old;
    }

    @Override
    public int getAndBitwiseAndByte(long gpa, int mask) {
        int old = delegate().getAndBitwiseAndByte(gpa, mask);
        log(gpa, 1, true);
        return old;
    }

    @Override
    public int getAndBitwiseOrShort(long gpa, int bits) {
        int old = delegate().getAndBitwiseOrShort(gpa, bits);
        log(gpa, 2, true);
        return old;
    }

    @Override
    public int getAndBitwiseAndShort(long gpa, int mask) {
        int old = delegate().getAndBitwiseAndShort(gpa, mask);
        log(gpa, 2, true);
        return old;
    }
}
