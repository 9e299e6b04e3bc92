package io.pvkit.grant.internal;

import io.pvkit.abi.grant.GntMap;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * The release path of a mapping, from unmap (or revocation at domain death) to the moment its pins drop:
 * the one place that decides when a mapping's view is dead.
 *
 * <p><b>Order.</b> A release first <em>detaches</em> the kinds it removes (under the lock): the view is no
 * longer handed out, the handle goes stale once no kind remains ({@link Maptrack#retire}), but the handle's
 * slot stays reserved and the pins stay. Then, outside the lock, it <em>ends the view</em> by closing the
 * mapping's arena (SHARED, CONFINED), or, still under the lock, by revoking its {@link ViewGuard}
 * (CHECKED: one atomic OR; an access through a view or cursor that is in flight finishes first, and its exit
 * completes the release through {@link #viewQuiescent}). Only once the view is dead does it drop the pins (clearing {@code GTF_writing} /
 * {@code GTF_reading}, so the granter may revoke and reuse the page) and free the handle's slot.
 *
 * <p><b>A close that cannot happen yet is deferred</b>, never skipped: a CONFINED arena can only be closed by
 * its owner thread, and a SHARED arena cannot be closed while a client holds it acquired (NIO does for the
 * duration of a read or write through {@code segment.asByteBuffer()}; {@code Arena.close()} then throws
 * {@code IllegalStateException}). Such a mapping waits in the pending list with its pins held: the granter
 * sees it as still in use, and its domain's teardown reports "not done". A pending CONFINED close is
 * retried whenever its owner thread calls in (every op does) or finished when the owner has terminated; a
 * pending SHARED close is retried by {@link #reap()} (called by {@code GrantTables.reap()} and by
 * {@code releaseDomain}), which costs one JVM handshake per attempt, so it is not done on every op.
 */
public final class MappingRelease {
    private final Registry registry;
    private final ArrayList<Pending> pending = new ArrayList<>();
    /** {@code pending.size()}, for the copy fast path, which reads it without the registry lock. */
    private volatile int pendingCount;

    /** A mapping whose view could not be ended yet; its host pins are held. Guarded by the registry lock. */
    private static final class Pending {
        final Mapping mapping;
        /** The arena still to close (SHARED, CONFINED, or a CHECKED mapping's lazily made segment), or null. */
        Arena arena;
        /** Whether the mapping's revoked {@link ViewGuard} has accesses in flight to await (CHECKED). */
        final boolean checked;
        /** The guard's epoch that was revoked (when {@link #checked}). */
        final int epoch;
        /** True while a thread tries to close a shared arena outside the lock. */
        boolean claimed;

        Pending(Mapping mapping, Arena arena, boolean checked, int epoch) {
            this.mapping = mapping;
            this.arena = arena;
            this.checked = checked;
            this.epoch = epoch;
        }

        /** @return true when no binding of the revoked epoch has an access in flight (or there is no guard) */
        boolean guardQuiescent() {
            return !checked || mapping.guard.quiescent(epoch);
        }
    }

    /**
     * @param registry the registry whose lock guards the pending list
     */
    public MappingRelease(Registry registry) {
        this.registry = registry;
    }

    /**
     * Whether some view end is deferred (read without the registry lock by the copy fast path, which then takes
     * the locked path so that the calling thread reaps its own deferred ends first, as every locked op does).
     *
     * @return true while the pending list is not empty
     */
    public boolean hasPending() {
        return pendingCount != 0;
    }

    /**
     * Takes {@code removed} kinds away from {@code m}: the host view is no longer handed out, and the handle
     * goes stale when nothing remains. Pins and the handle's slot stay until the release finishes
     * ({@link #finishLocked} when this returns false, else {@link #finish} outside the lock). Caller holds the
     * lock.
     *
     * @return true when an arena must be closed, which {@link #finish} does outside the lock; false when
     *     {@link #finishLocked} completes the release now (a checked view's revocation is one atomic OR)
     */
    public boolean detachLocked(Mapping m, int removed) {
        m.kinds &= ~removed;
        if ((removed & GntMap.HOST_MAP) != 0) {
            m.endingArena = m.arena;
            m.endingChecked = m.checked;
            m.arena = null;
            m.segment = null;
            m.view = null;
            m.checked = false; // no view, cursor binding or segment is made for it any more
        }
        if (m.kinds == 0) {
            m.mapper.maptrack.retire(m);
            m.granter.removeForeign(m);
        }
        m.granter.busy++;
        return m.endingArena != null;
    }

    /**
     * Finishes a release whose {@link #detachLocked} returned false: revokes the checked view (if any) and drops
     * the pins now, or, while accesses through the view are in flight, defers the host part until the last
     * one ends ({@link #viewQuiescent}). Caller holds the lock.
     */
    public void finishLocked(Mapping m, int removed) {
        boolean checked = m.endingChecked;
        m.endingChecked = false;
        if (!checked || m.guard.revoke()) {
            completeLocked(m, removed);
        } else {
            deferLocked(m, removed, null, true);
        }
    }

    /**
     * Finishes a release whose {@link #detachLocked} returned true: ends the view by closing its arena (or
     * defers that), then drops the pins of {@code removed}: the device part at once, the host part only once
     * the view is dead. Call without holding the lock.
     */
    public void finish(Mapping m, int removed) {
        // set by this thread's detachLocked, touched by no other thread since
        Arena arena = m.endingArena;
        boolean checked = m.endingChecked;
        int epoch = m.epoch;
        m.endingArena = null;
        m.endingChecked = false;
        if (checked) {
            m.guard.revoke(); // a CHECKED mapping whose segment was asked for: no access through a binding starts now
        }
        boolean dead = tryEnd(m, arena);
        synchronized (registry) {
            if (dead && (!checked || m.guard.quiescent(epoch))) {
                completeLocked(m, removed);
            } else {
                deferLocked(m, removed, dead ? null : arena, checked);
            }
        }
    }

    /** Keeps the host part of a release (and its pins) pending; the device part (if any) goes now. */
    private void deferLocked(Mapping m, int removed, Arena arena, boolean checked) {
        int device = removed & ~GntMap.HOST_MAP;
        if (device != 0) {
            unpinLocked(m, device);
        }
        m.pendingClose = true;
        pending.add(new Pending(m, arena, checked, m.epoch));
        pendingCount = pending.size();
    }

    /**
     * Called by a binding (view, cursor) of a revoked guard when its last access in flight has ended: completes the
     * deferred release of {@code m}'s mapping of {@code epoch} (drops the host pins, frees the slot). Takes the lock.
     * The epoch keeps a late call from completing a later mapping of the same slot (the release of this one may have
     * been completed meanwhile by {@link #reap}).
     */
    void viewQuiescent(Mapping m, int epoch) {
        synchronized (registry) {
            for (int i = pending.size() - 1; i >= 0; i--) {
                Pending p = pending.get(i);
                if (p.mapping == m && p.checked && p.epoch == epoch) {
                    if (p.arena == null) { // else the arena's close (reap) completes it
                        pending.remove(i);
                        pendingCount = pending.size();
                        completePendingLocked(p);
                    }
                    return;
                }
            }
        }
    }

    /**
     * Tries to end a view now.
     *
     * @return true when the arena is closed, or can never be used again (a confined arena whose owner ended);
     *     false when it must wait (another owner thread, or a shared arena acquired by in-flight I/O)
     */
    private static boolean tryEnd(Mapping m, Arena arena) {
        if (m.owner != null && m.owner != Thread.currentThread()) {
            // a confined segment is usable only by its owner: if that thread has ended, nobody can touch it
            return !m.owner.isAlive();
        }
        try {
            arena.close();
            return true;
        } catch (IllegalStateException acquired) {
            // "Session is acquired by N clients": in-flight I/O holds the view; it stays alive, so must the pin
            return !arena.scope().isAlive();
        }
    }

    /** Drops the pins of {@code kinds}, ends the release's busy mark, frees the slot when nothing is left. */
    private static void completeLocked(Mapping m, int kinds) {
        if (kinds != 0) {
            unpinLocked(m, kinds);
        }
        m.granter.busy--;
        if (m.kinds == 0 && !m.pendingClose) {
            m.mapper.maptrack.release(m);
        }
    }

    private static void unpinLocked(Mapping m, int kinds) {
        ActiveEntry act = m.granter.active(m.ref);
        act.lock();
        try {
            EntryProtocol.pin(act, kinds, m.readOnly, -1);
            EntryProtocol.clearAfterRelease(m.granter, m.ref, act, !m.readOnly);
        } finally {
            act.unlock();
        }
    }

    private void completePendingLocked(Pending p) {
        p.mapping.pendingClose = false;
        completeLocked(p.mapping, GntMap.HOST_MAP);
    }

    /**
     * Ends the pending CONFINED views owned by the calling thread, and releases those whose owner has ended.
     * Cheap when nothing is pending; every op calls it. Caller holds the lock.
     *
     * @return the number of mappings released
     */
    public int reapOwnLocked() {
        if (pending.isEmpty()) {
            return 0;
        }
        int n = 0;
        Thread me = Thread.currentThread();
        for (int i = pending.size() - 1; i >= 0; i--) {
            Pending p = pending.get(i);
            Thread owner = p.mapping.owner;
            if (p.arena == null || owner == null || (owner != me && owner.isAlive())) {
                continue;
            }
            if (owner == me && !tryEnd(p.mapping, p.arena)) {
                continue;
            }
            pending.remove(i);
            pendingCount = pending.size();
            completePendingLocked(p);
            n++;
        }
        return n;
    }

    /**
     * {@link #reapOwnLocked()}, then retries every pending SHARED close (outside the lock: each attempt is a
     * JVM handshake) and releases the mappings whose views are dead now.
     *
     * @return the number of mappings released
     */
    public int reap() {
        List<Pending> shared = new ArrayList<>();
        int n;
        synchronized (registry) {
            n = reapOwnLocked() + reapQuiescentViewsLocked();
            for (Pending p : pending) {
                if (p.arena != null && p.mapping.owner == null && !p.claimed) {
                    p.claimed = true;
                    shared.add(p);
                }
            }
        }
        if (shared.isEmpty()) {
            return n;
        }
        boolean[] dead = new boolean[shared.size()];
        for (int i = 0; i < dead.length; i++) {
            dead[i] = tryEnd(shared.get(i).mapping, shared.get(i).arena);
        }
        synchronized (registry) {
            for (int i = 0; i < dead.length; i++) {
                Pending p = shared.get(i);
                p.claimed = false;
                if (dead[i] && p.guardQuiescent()) {
                    pending.remove(p);
                    pendingCount = pending.size();
                    completePendingLocked(p);
                    n++;
                } else if (dead[i]) {
                    p.arena = null; // the segment is dead; the view's last access in flight completes it
                }
            }
        }
        return n;
    }

    /** Completes the pending checked views with nothing in flight (normally their last access already did). */
    private int reapQuiescentViewsLocked() {
        int n = 0;
        for (int i = pending.size() - 1; i >= 0; i--) {
            Pending p = pending.get(i);
            if (p.checked && p.arena == null && p.guardQuiescent()) {
                pending.remove(i);
                pendingCount = pending.size();
                completePendingLocked(p);
                n++;
            }
        }
        return n;
    }
}
