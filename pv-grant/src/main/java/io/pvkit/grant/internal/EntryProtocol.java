package io.pvkit.grant.internal;

import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;

/**
 * The hypervisor's side of the shared grant-entry protocol: acquiring an entry with Xen's
 * {@code _set_status_v1} CAS, counting pins, and clearing the busy bits on release.
 */
public final class EntryProtocol {
    /** CAS attempts before an entry that keeps changing is given up on (Xen's {@code retries == 4}). */
    public static final int MAX_ATTEMPTS = 5;

    private EntryProtocol() {
    }

    /**
     * Xen's {@code _set_status_v1}: one 32-bit CAS on flags+domid that checks the entry and sets the busy
     * bits; at most 5 attempts against a granter that keeps changing the word.
     */
    public static int setStatus(DomainGrants granter, int ref, boolean pinned, boolean readOnly, int mapperId,
                                 boolean mapFlag) {
        return setStatus(granter, ref, pinned, readOnly, mapperId, mapFlag, NO_HOOK);
    }

    /** No test hook. */
    static final Runnable NO_HOOK = () -> { };

    /**
     * {@link #setStatus(DomainGrants, int, boolean, boolean, int, boolean)} with a hook run just before each
     * CAS attempt: a test seam that lets a test change the real shared word between the read and the CAS,
     * deterministically, as a racing granter would.
     */
    static int setStatus(DomainGrants granter, int ref, boolean pinned, boolean readOnly, int mapperId,
                         boolean mapFlag, Runnable beforeCas) {
        long word = granter.entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
        int mask = GrantFlags.TYPE_MASK | (mapFlag ? GrantFlags.SUB_PAGE : 0);
        // UNTRUSTED: the granter writes this word at any time; each check is on the value the CAS replaces
        // ORDERING: the CAS is on the same word as the granter's revoke CAS, so exactly one of them wins
        int seen = granter.shared.getIntVolatile(word);
        for (int retries = 0; ; retries++) {
            int flags = seen & 0xFFFF;
            int domid = seen >>> 16;
            if (!pinned && ((flags & mask) != GrantFlags.PERMIT_ACCESS || domid != mapperId)) {
                return Gntst.GENERAL_ERROR;
            }
            int update = seen | GrantFlags.READING;
            if (!readOnly) {
                update |= GrantFlags.WRITING;
                if ((flags & GrantFlags.READONLY) != 0) {
                    return Gntst.GENERAL_ERROR;
                }
            }
            beforeCas.run();
            int witness = granter.shared.compareAndExchangeInt(word, seen, update);
            if (witness == seen) {
                return Gntst.OKAY;
            }
            if (retries == MAX_ATTEMPTS - 1) {
                return Gntst.GENERAL_ERROR; // "Shared grant entry is unstable"
            }
            seen = witness;
        }
    }

    /**
     * Adds {@code delta} (+1 or -1) to the host and/or device pin counts that {@code kinds} select.
     *
     * @throws IllegalStateException when a count would drop below zero: a double release, a bug of the
     *     hypervisor's book-keeping that must not be hidden (the pins no longer describe the mappings)
     */
    public static void pin(ActiveEntry act, int kinds, boolean readOnly, int delta) {
        if ((kinds & GntMap.HOST_MAP) != 0) {
            if (readOnly) {
                act.hostRead = add(act.hostRead, delta, "hostRead");
            } else {
                act.hostWrite = add(act.hostWrite, delta, "hostWrite");
            }
        }
        if ((kinds & GntMap.DEVICE_MAP) != 0) {
            if (readOnly) {
                act.devRead = add(act.devRead, delta, "devRead");
            } else {
                act.devWrite = add(act.devWrite, delta, "devWrite");
            }
        }
    }

    /**
     * @return {@code count - 1}
     * @throws IllegalStateException when {@code count} is already zero (a double release)
     */
    public static int decrement(int count, String what) {
        return add(count, -1, what);
    }

    private static int add(int count, int delta, String what) {
        int n = count + delta;
        if (n < 0) {
            throw new PinUnderflowException("pin count " + what + " underflow (" + count + " " + delta
                    + "): a grant use released twice");
        }
        return n;
    }

    /** Xen's unmap_common_complete flag clearing: writing when the last writable use went, reading when the last use went. */
    public static void clearAfterRelease(DomainGrants granter, int ref, ActiveEntry act, boolean wasWritable) {
        long word = granter.entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
        // ORDERING: atomic AND (full fence) after the segment died and the counts dropped: once the granter
        // sees the bit clear, no mapping of that kind is usable any more (XSA-218)
        if (wasWritable && act.writers() == 0) {
            granter.shared.getAndBitwiseAndInt(word, ~GrantFlags.WRITING);
        }
        if (act.pins() == 0) {
            granter.shared.getAndBitwiseAndInt(word, ~GrantFlags.READING);
        }
    }
}
