package io.pvkit.grant.internal;

import io.pvkit.abi.grant.GntMap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The hypervisor's private state of one grant entry while it is in use (Xen's {@code active_grant_entry}):
 * pin counts per kind of use and the snapshot of the shared entry taken at the first pin.
 *
 * <p><b>Guarded by its own lock</b> (Xen's per-active-entry spinlock, {@code active_entry_acquire}): every
 * read or write of the fields below happens between {@link #lock()} and {@link #unlock()}. Maps, unmaps and
 * teardown take it while holding the {@code GrantTables} lock (lock order: registry monitor, then entry);
 * the copy fast path takes it without the registry monitor, one entry at a time, so a copy never holds two
 * entry locks and cannot deadlock with anything. Sections under it are short and never block (no I/O): the
 * entry CAS, the frame read, the pin counts and the atomic ANDs of a release.
 */
public final class ActiveEntry {
    /**
     * Xen's 8-bit pin counts refuse a pin while their top bit is set: a count reaches 0x80, never more (a host count
     * here being its mappings and copies together, see {@link #atBound(int, boolean)}).
     */
    public static final int MAX_PINS = 0x80;
    /** Spins with {@link Thread#onSpinWait()} before a waiter starts yielding its CPU to the holder. */
    private static final int SPINS = 64;
    private static final VarHandle LOCK;

    static {
        try {
            LOCK = MethodHandles.lookup().findVarHandle(ActiveEntry.class, "locked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through LOCK
    private volatile int locked;

    public int hostRead;
    public int hostWrite;
    public int devRead;
    public int devWrite;
    public int copyRead;
    public int copyWrite;
    /** The mapping domain, captured at the first pin. */
    public int domid;
    /** The granted frame, captured at the first pin (never re-read while pinned: GNT-06). */
    public long frame;

    /** Takes this entry's lock (a test-and-test-and-set spinlock that yields after a few spins). */
    public void lock() {
        // ORDERING: the CAS acquires: the holder sees every field write of the previous holder
        if (!LOCK.compareAndSet(this, 0, 1)) {
            lockContended();
        }
    }

    private void lockContended() {
        int spins = 0;
        while ((int) LOCK.getVolatile(this) != 0 || !LOCK.compareAndSet(this, 0, 1)) {
            if (++spins < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // the holder may be descheduled (more threads than CPUs): let it run
            }
        }
    }

    /** Releases this entry's lock. */
    public void unlock() {
        // ORDERING: release store: every field write above is visible to the next holder's acquiring CAS
        LOCK.setRelease(this, 0);
    }

    public int pins() {
        return hostRead + hostWrite + devRead + devWrite + copyRead + copyWrite;
    }

    public int writers() {
        return hostWrite + devWrite + copyWrite;
    }

    /**
     * Xen's overflow check ({@code act->pin & GNTPIN_incr2oflow_mask(pin_incr)} in {@code map_grant_ref} and
     * {@code acquire_grant_for_copy}): whether a counter that a use of {@code kinds} would add to has reached
     * {@link #MAX_PINS}. Xen has four counters; a copy adds to the host one of its direction, so the host counters
     * here are the host mappings and the copies together ({@code hstr} = {@code hostRead + copyRead}, {@code hstw}
     * = {@code hostWrite + copyWrite}). The counters the use does not add to are not checked: an entry with 128
     * read-only host mappings still takes a writable host mapping, device mappings and a copy into it.
     *
     * @param kinds {@link GntMap#HOST_MAP} and/or {@link GntMap#DEVICE_MAP} (a copy: {@code HOST_MAP})
     * @param readOnly whether the use reads only (a copy's source)
     * @return whether the use must be refused ({@code GNTST_general_error})
     */
    public boolean atBound(int kinds, boolean readOnly) {
        if ((kinds & GntMap.HOST_MAP) != 0
                && (readOnly ? hostRead + copyRead : hostWrite + copyWrite) >= MAX_PINS) {
            return true;
        }
        return (kinds & GntMap.DEVICE_MAP) != 0 && (readOnly ? devRead : devWrite) >= MAX_PINS;
    }
}
