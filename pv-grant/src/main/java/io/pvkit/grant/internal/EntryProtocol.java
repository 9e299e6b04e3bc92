package io.pvkit.grant.internal;

import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;

/**
 * The hypervisor's side of the shared grant-entry protocol: acquiring an entry with Xen's
 * {@code _set_status_v1} CAS, counting pins, and clearing the busy bits on release.
 */
public final class EntryProtocol {
    private EntryProtocol() {
    }

    /**
     * Xen's {@code _set_status_v1}: one 32-bit CAS on flags+domid that checks the entry and sets the busy
     * bits; at most 5 attempts against a granter that keeps changing the word.
     */
    public static int setStatus(DomainGrants granter, int ref, boolean pinned, boolean readOnly, int mapperId,
                                 boolean mapFlag) {
        long word = granter.entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
        int mask = GrantFlags.TYPE_MASK | (mapFlag ? GrantFlags.SUB_PAGE : 0);
        // UNTRUSTED: the granter writes this word at any time; each check is on the value the CAS replaces
        // ORDERING: the CAS is on the same word as the granter's revoke CAS, so exactly one of them wins
        int seen = granter.memory.getIntVolatile(word);
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
            int witness = granter.memory.compareAndExchangeInt(word, seen, update);
            if (witness == seen) {
                return Gntst.OKAY;
            }
            if (retries == 4) {
                return Gntst.GENERAL_ERROR; // "Shared grant entry is unstable"
            }
            seen = witness;
        }
    }

    public static void pin(ActiveEntry act, int kinds, boolean readOnly, int delta) {
        if ((kinds & GntMap.HOST_MAP) != 0) {
            if (readOnly) {
                act.hostRead = Math.max(0, act.hostRead + delta);
            } else {
                act.hostWrite = Math.max(0, act.hostWrite + delta);
            }
        }
        if ((kinds & GntMap.DEVICE_MAP) != 0) {
            if (readOnly) {
                act.devRead = Math.max(0, act.devRead + delta);
            } else {
                act.devWrite = Math.max(0, act.devWrite + delta);
            }
        }
    }

    /** Xen's unmap_common_complete flag clearing: writing when the last writable use went, reading when the last use went. */
    public static void clearAfterRelease(DomainGrants granter, int ref, ActiveEntry act, boolean wasWritable) {
        long word = granter.entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
        // ORDERING: atomic AND (full fence) after the segment died and the counts dropped: once the granter
        // sees the bit clear, no mapping of that kind is usable any more (XSA-218)
        if (wasWritable && act.writers() == 0) {
            granter.memory.getAndBitwiseAndInt(word, ~GrantFlags.WRITING);
        }
        if (act.pins() == 0) {
            granter.memory.getAndBitwiseAndInt(word, ~GrantFlags.READING);
        }
    }
}
