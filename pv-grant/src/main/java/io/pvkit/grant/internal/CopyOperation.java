package io.pvkit.grant.internal;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

/**
 * GNTTABOP_copy of one element: both sides are acquired like mappings under the lock (read for the
 * source, write for the destination), the bytes are copied outside it, and the pins are released whatever
 * happens, so a failed copy can never leave an entry busy.
 */
public final class CopyOperation {
    private final Registry registry;
    private final MappingRelease release;

    /**
     * @param registry the domains and the lock
     * @param release the release path (its own-thread reap runs first, as for every op)
     */
    public CopyOperation(Registry registry, MappingRelease release) {
        this.registry = registry;
        this.release = release;
    }

    /**
     * Copies one element. Throws only for a bug (after releasing whatever it acquired). Allocates nothing:
     * each side is three locals (domain, frame, reference) and {@link #acquireLocked} answers the frame or a
     * negative GNTST code in one {@code long}.
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
     * Acquires one side (under the lock).
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
        ActiveEntry act = granter.active(ref);
        if (act.pins() > 0 && (act.domid != self.domid || act.nearOverflow())) {
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
        granter.busy++;
        return act.frame;
    }

    private static void releaseLocked(DomainGrants domain, int ref, boolean readOnly) {
        if (ref >= 0) {
            ActiveEntry act = domain.active(ref);
            if (readOnly) {
                act.copyRead = EntryProtocol.decrement(act.copyRead, "copyRead");
            } else {
                act.copyWrite = EntryProtocol.decrement(act.copyWrite, "copyWrite");
            }
            EntryProtocol.clearAfterRelease(domain, ref, act, !readOnly);
        }
        domain.busy--;
    }
}
