package io.pvkit.grant.internal;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

/**
 * GNTTABOP_copy of one element: both sides are acquired like mappings (read for the source, write for the
 * destination), the bytes are copied, and the pins are released whatever happens, so a failed copy can never
 * leave an entry busy.
 *
 * <p><b>Two paths.</b> The <em>fast path</em> takes no global lock (Xen's copy takes no global lock either): it
 * looks the domains up in the copy-on-write registry, announces the copy in the calling thread's
 * {@link CopiesInFlight.Slot} and rechecks that no domain is dying (so teardown waits for it), and acquires and
 * releases each grant side under that entry's own lock ({@link ActiveEntry#lock()}, Xen's active-entry lock): the
 * entry CAS at the first pin, the pin count, and at the last release the atomic AND. The <em>locked path</em>
 * does the same under the registry monitor and counts {@link DomainGrants#busy}; it handles every case the fast
 * path leaves to it: an entry never used before (its {@link ActiveEntry} is created under the monitor), the
 * calling thread's deferred view ends to reap, a virtual thread, and every refusal before a side is acquired
 * (unknown or dying domains, bad references and frames), so each status keeps one place where it is decided.
 */
public final class CopyOperation {
    /** The fast path's answer "take the locked path" (no GNTST code is this small). */
    private static final int LOCKED_PATH = Integer.MIN_VALUE;

    private final Registry registry;
    private final MappingRelease release;
    private final CopiesInFlight inFlight;

    /**
     * @param registry the domains and the lock
     * @param release the release path (its own-thread reap runs first, as for every op)
     * @param inFlight the announcements of lock-free copies, which teardown waits for
     */
    public CopyOperation(Registry registry, MappingRelease release, CopiesInFlight inFlight) {
        this.registry = registry;
        this.release = release;
        this.inFlight = inFlight;
    }

    /**
     * Copies one element. Throws only for a bug (after releasing whatever it acquired). Allocates nothing:
     * each side is a few locals and {@link #acquire} answers the frame or a negative GNTST code in one
     * {@code long}.
     *
     * @param caller the calling domain
     * @param srcRefOrGfn source reference or frame (untrusted)
     * @param srcDomid source domain or DOMID_SELF
     * @param srcOffset source offset (untrusted)
     * @param dstRefOrGfn destination reference or frame (untrusted)
     * @param dstDomid destination domain or DOMID_SELF
     * @param dstOffset destination offset (untrusted)
     * @param length number of bytes (untrusted)
     * @param flags GNTCOPY_* bits
     * @return a GNTST code
     */
    public int copy(int caller, long srcRefOrGfn, int srcDomid, int srcOffset, long dstRefOrGfn, int dstDomid,
                    int dstOffset, int length, int flags) {
        int st = fastCopy(caller, srcRefOrGfn, srcDomid, srcOffset, dstRefOrGfn, dstDomid, dstOffset, length, flags);
        return st != LOCKED_PATH ? st
                : lockedCopy(caller, srcRefOrGfn, srcDomid, srcOffset, dstRefOrGfn, dstDomid, dstOffset, length, flags);
    }

    /** @return a GNTST code, or {@link #LOCKED_PATH} when the locked path must decide (nothing was acquired) */
    private int fastCopy(int caller, long srcRefOrGfn, int srcDomid, int srcOffset, long dstRefOrGfn, int dstDomid,
                         int dstOffset, int length, int flags) {
        if (release.hasPending()) {
            return LOCKED_PATH; // this thread may own a deferred view end: the locked path reaps it first
        }
        final DomainGrants self = registry.live(caller);
        if (self == null) {
            return LOCKED_PATH;
        }
        // a zero-length element succeeds before any other check, touching nothing (Xen, a4a790f432)
        if (length == 0) {
            return Gntst.OKAY;
        }
        // UNTRUSTED: u16 offsets and length in the ABI (any int here), checked before any grant is touched;
        // each value is range-checked on its own and the sum is never formed (no overflow)
        if (!fitsInPage(srcOffset, length) || !fitsInPage(dstOffset, length)) {
            return Gntst.BAD_COPY_ARG;
        }
        final boolean srcGref = (flags & GntCopy.SOURCE_GREF) != 0;
        final boolean dstGref = (flags & GntCopy.DEST_GREF) != 0;
        final DomainGrants src = fastSide(self, srcRefOrGfn, srcDomid, srcGref);
        final DomainGrants dst = fastSide(self, dstRefOrGfn, dstDomid, dstGref);
        if (src == null || dst == null) {
            return LOCKED_PATH;
        }
        // the references are in range (fastSide): an entry not created yet means a first use, made under the lock
        final ActiveEntry srcAct = srcGref ? src.activeIfPresent((int) srcRefOrGfn) : null;
        final ActiveEntry dstAct = dstGref ? dst.activeIfPresent((int) dstRefOrGfn) : null;
        if ((srcGref && srcAct == null) || (dstGref && dstAct == null)) {
            return LOCKED_PATH;
        }
        final CopiesInFlight.Slot slot = inFlight.slot();
        if (slot == null) {
            return LOCKED_PATH;
        }
        slot.enter(src, dst);
        try {
            // ORDERING: volatile loads after the slot's volatile store (Dekker with Teardown: dying, then scan)
            if (self.dying || src.dying || dst.dying) {
                return LOCKED_PATH;
            }
            final long srcFrame = srcGref ? acquire(self, src, (int) srcRefOrGfn, srcAct, true) : srcRefOrGfn;
            if (srcFrame < 0) {
                return (int) srcFrame;
            }
            final long dstFrame;
            try {
                dstFrame = dstGref ? acquire(self, dst, (int) dstRefOrGfn, dstAct, false) : dstRefOrGfn;
            } catch (RuntimeException e) {
                releaseIfGref(src, srcAct, (int) srcRefOrGfn, srcGref, true);
                throw e;
            }
            if (dstFrame < 0) {
                releaseIfGref(src, srcAct, (int) srcRefOrGfn, srcGref, true);
                return (int) dstFrame;
            }
            // both grant sides are pinned (GTF_reading/GTF_writing set), so neither granter can revoke during
            // the copy, and the slot keeps both memories alive (teardown waits for it)
            try {
                MemorySegment.copy(src.memory.segment(), GuestMemory.gpaOf(srcFrame) + srcOffset,
                        dst.memory.segment(), GuestMemory.gpaOf(dstFrame) + dstOffset, length);
            } finally {
                try {
                    releaseIfGref(src, srcAct, (int) srcRefOrGfn, srcGref, true);
                } finally {
                    releaseIfGref(dst, dstAct, (int) dstRefOrGfn, dstGref, false);
                }
            }
            return Gntst.OKAY;
        } finally {
            slot.exit();
        }
    }

    /**
     * One side's domain for the fast path: the caller for a frame of its own in range, the live granter for a
     * reference in range of its table; null for everything else (the locked path returns the refusal).
     */
    private DomainGrants fastSide(DomainGrants self, long refOrGfn, int domid, boolean isGref) {
        if (!isGref) {
            return domid == DomId.SELF && refOrGfn >= 0 && refOrGfn < self.memory.frames() ? self : null;
        }
        DomainGrants granter = domid == DomId.SELF ? self : registry.live(domid);
        // UNTRUSTED: the reference is range-checked against the active table size before any access (XSA-18)
        return granter != null && refOrGfn >= 0 && refOrGfn < granter.refLimit() ? granter : null;
    }

    private static void releaseIfGref(DomainGrants domain, ActiveEntry act, int ref, boolean isGref,
                                      boolean readOnly) {
        if (isGref) {
            release(domain, act, ref, readOnly);
        }
    }

    /** The copy under the registry monitor (the only path before the fast path existed). */
    private int lockedCopy(int caller, long srcRefOrGfn, int srcDomid, int srcOffset, long dstRefOrGfn, int dstDomid,
                           int dstOffset, int length, int flags) {
        final boolean srcGref = (flags & GntCopy.SOURCE_GREF) != 0;
        final boolean dstGref = (flags & GntCopy.DEST_GREF) != 0;
        DomainGrants srcDomain;
        DomainGrants dstDomain;
        long srcFrame;
        long dstFrame;
        synchronized (registry) {
            release.reapOwnLocked();
            DomainGrants self = registry.liveLocked(caller);
            if (self == null) {
                return Gntst.GENERAL_ERROR;
            }
            // a zero-length element succeeds before any other check, touching nothing (Xen, a4a790f432)
            if (length == 0) {
                return Gntst.OKAY;
            }
            // UNTRUSTED: u16 offsets and length in the ABI (any int here), checked before any grant is
            // touched; each value is range-checked on its own and the sum is never formed (no overflow)
            if (!fitsInPage(srcOffset, length) || !fitsInPage(dstOffset, length)) {
                return Gntst.BAD_COPY_ARG;
            }
            srcDomain = side(self, srcDomid, srcGref);
            srcFrame = acquireLocked(self, srcDomain, srcRefOrGfn, srcDomid, srcGref, true);
            if (srcFrame < 0) {
                return (int) srcFrame;
            }
            try {
                dstDomain = side(self, dstDomid, dstGref);
                dstFrame = acquireLocked(self, dstDomain, dstRefOrGfn, dstDomid, dstGref, false);
            } catch (RuntimeException e) {
                releaseLocked(srcDomain, srcGref ? (int) srcRefOrGfn : -1, true);
                throw e;
            }
            if (dstFrame < 0) {
                releaseLocked(srcDomain, srcGref ? (int) srcRefOrGfn : -1, true);
                return (int) dstFrame;
            }
        }
        // both sides are pinned (GTF_reading/GTF_writing set), so neither granter can revoke during the copy
        try {
            MemorySegment.copy(srcDomain.memory.segment(), GuestMemory.gpaOf(srcFrame) + srcOffset,
                    dstDomain.memory.segment(), GuestMemory.gpaOf(dstFrame) + dstOffset, length);
        } finally {
            synchronized (registry) {
                releaseLocked(srcDomain, srcGref ? (int) srcRefOrGfn : -1, true);
                releaseLocked(dstDomain, dstGref ? (int) dstRefOrGfn : -1, false);
            }
        }
        return Gntst.OKAY;
    }

    /** The domain whose memory a side names: the caller for a frame, the granter (null when gone) for a reference. */
    private DomainGrants side(DomainGrants self, int domid, boolean isGref) {
        return !isGref || domid == DomId.SELF ? self : registry.liveLocked(domid);
    }

    /** @return whether {@code [offset, offset + length)} lies inside one frame, without overflow */
    public static boolean fitsInPage(int offset, int length) {
        return offset >= 0 && offset <= GuestMemory.PAGE_SIZE && length >= 0
                && length <= GuestMemory.PAGE_SIZE - offset;
    }

    /**
     * Acquires one side (under the registry lock).
     *
     * @return the frame (at least 0) when acquired, else a negative GNTST code with nothing acquired
     */
    private static long acquireLocked(DomainGrants self, DomainGrants granter, long refOrGfn, int domid, boolean isGref,
                                      boolean readOnly) {
        if (!isGref) {
            // UNTRUSTED: only DOMID_SELF may name a frame directly (Xen gnttab_copy_lock_domain)
            if (domid != DomId.SELF) {
                return Gntst.PERMISSION_DENIED;
            }
            if (refOrGfn < 0 || refOrGfn >= self.memory.frames()) {
                return Gntst.BAD_PAGE;
            }
            self.busy++;
            return refOrGfn;
        }
        if (granter == null) {
            return Gntst.BAD_DOMAIN;
        }
        if (refOrGfn < 0 || refOrGfn >= granter.refLimit()) {
            return Gntst.BAD_GNTREF;
        }
        int ref = (int) refOrGfn;
        long frame = acquire(self, granter, ref, granter.active(ref), readOnly);
        if (frame >= 0) {
            granter.busy++;
        }
        return frame;
    }

    /**
     * Acquires a grant side under its entry's lock: Xen's {@code acquire_grant_for_copy} for a v1 entry.
     *
     * @return the pinned frame (at least 0), else a negative GNTST code with nothing acquired
     */
    private static long acquire(DomainGrants self, DomainGrants granter, int ref, ActiveEntry act, boolean readOnly) {
        act.lock();
        try {
            // a copy adds to the host counter of its direction and is bounded by it alone (Xen)
            if (act.pins() > 0 && (act.domid != self.domid || act.atBound(GntMap.HOST_MAP, readOnly))) {
                return Gntst.GENERAL_ERROR;
            }
            boolean firstPin = act.pins() == 0;
            if (firstPin || (!readOnly && act.writers() == 0)) {
                int st = EntryProtocol.setStatus(granter, ref, !firstPin, readOnly, self.domid, false);
                if (st != Gntst.OKAY) {
                    return st;
                }
                if (firstPin) {
                    // UNTRUSTED: frame read once after the CAS and validated (as in map)
                    long frame = Integer.toUnsignedLong(granter.shared.getIntVolatile(
                            granter.entryGpa(ref) + GrantEntryV1Layout.FRAME_OFFSET));
                    if (frame >= granter.memory.frames()) {
                        EntryProtocol.clearAfterRelease(granter, ref, act, !readOnly);
                        return Gntst.BAD_PAGE;
                    }
                    act.domid = self.domid;
                    act.frame = frame;
                }
            }
            if (readOnly) {
                act.copyRead++;
            } else {
                act.copyWrite++;
            }
            return act.frame;
        } finally {
            act.unlock();
        }
    }

    /** Drops a copy pin under the entry's lock; the last use clears the busy bits (Xen's {@code release_grant_for_copy}). */
    private static void release(DomainGrants domain, ActiveEntry act, int ref, boolean readOnly) {
        act.lock();
        try {
            if (readOnly) {
                act.copyRead = EntryProtocol.decrement(act.copyRead, "copyRead");
            } else {
                act.copyWrite = EntryProtocol.decrement(act.copyWrite, "copyWrite");
            }
            EntryProtocol.clearAfterRelease(domain, ref, act, !readOnly);
        } finally {
            act.unlock();
        }
    }

    private static void releaseLocked(DomainGrants domain, int ref, boolean readOnly) {
        if (ref >= 0) {
            release(domain, domain.active(ref), ref, readOnly);
        }
        domain.busy--;
    }
}
