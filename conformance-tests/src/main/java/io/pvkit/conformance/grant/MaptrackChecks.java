package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;

import org.junit.jupiter.api.Assumptions;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checks of GNT-29 (the pin counters' overflow bound) and GNT-30 (a stale handle of a reused maptrack slot),
 * split out of {@link GrantTableVerification}, which keeps the public test methods and their Javadoc. One instance
 * serves one test method, with that method's domains and the declared maptrack limit.
 */
final class MaptrackChecks {
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int HOST = GntMap.HOST_MAP;
    private static final int DEVICE = GntMap.DEVICE_MAP;
    private static final int RO = GntMap.READONLY;
    private static final int FIRST_REF = 8;
    /**
     * The mappings of one kind an entry takes: Xen's pin counters are 8 bits wide ({@code GNTPIN_cntr_width}) and
     * a map is refused while the counter it would increment has its top bit set, so a counter reaches 0x80.
     */
    static final int PINS_PER_KIND = 0x80;

    private final GrantDomain a;
    private final GrantDomain b;
    private final int maptrackLimit;

    /**
     * @param maptrackLimit the declared limit; 0 (none declared, which GNT-09 reports) is taken as unbounded by
     *     GNT-29, and makes GNT-30 skip (it needs a full maptrack)
     */
    MaptrackChecks(GrantDomain a, GrantDomain b, int maptrackLimit) {
        this.a = a;
        this.b = b;
        this.maptrackLimit = maptrackLimit > 0 ? maptrackLimit : Integer.MAX_VALUE;
    }

    // ------------------------------------------------------------------------------------------ GNT-29

    /**
     * GNT-29: 128 mappings of one kind of one entry, the 129th refused; each kind on its own entry. With one counter
     * at its bound, the uses that add to another counter of the entry go ahead: every other kind of mapping, and the
     * copy whose direction adds to the other host counter (Xen checks only the counters a use adds to).
     */
    void pinCountersStopAtTheirTopBit() {
        int[] kinds = {HOST | RO, HOST, DEVICE | RO, DEVICE};
        boolean devices = mapsForDevices(FIRST_REF + kinds.length);
        for (int k = 0; k < kinds.length; k++) {
            int flags = kinds[k];
            if ((flags & DEVICE) != 0 && !devices) {
                continue; // no device mappings here (GNT-04 says so too): only the host kinds are checked
            }
            int ref = FIRST_REF + k;
            a.grant(ref, b.domid(), a.data(k), false);
            mapOneKind(ref, a.data(k), flags, kinds, devices);
        }
    }

    /** Whether B maps a grant of A for a device (a read-only device mapping of a scratch entry, unmapped again). */
    private boolean mapsForDevices(int ref) {
        a.grant(ref, b.domid(), a.data(0), false);
        GrantDomain.Mapped probe = b.map(a.domid(), ref, DEVICE | RO, 0);
        boolean devices = probe.status() == OKAY;
        if (devices) {
            assertEquals(OKAY, b.unmap(probe.handle(), 0, probe.devBusAddr()), "unmap of the device mapping");
        }
        assertTrue(a.revoke(ref), "the granter revokes the entry of the device probe");
        return devices;
    }

    private static String kindName(int flags) {
        return ((flags & HOST) != 0 ? "host" : "device") + ((flags & RO) != 0 ? " read-only" : " writable");
    }

    private void mapOneKind(int ref, long frame, int flags, int[] kinds, boolean devices) {
        String kind = kindName(flags);
        int busy = GrantFlags.READING | ((flags & RO) != 0 ? 0 : GrantFlags.WRITING);
        // within a smaller maptrack, the maptrack bounds the pins before any counter can overflow (GNT-09)
        int n = Math.min(PINS_PER_KIND, maptrackLimit);
        List<GrantDomain.Mapped> held = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            GrantDomain.Mapped m = b.map(a.domid(), ref, flags, hostAddr(flags, i));
            assertEquals(OKAY, m.status(), kind + " mapping " + (i + 1) + " of one entry (Xen's 8-bit pin counter "
                    + "takes " + PINS_PER_KIND + ")");
            held.add(m);
        }
        if (maptrackLimit > PINS_PER_KIND) {
            GrantDomain.Mapped over = b.map(a.domid(), ref, flags, hostAddr(flags, n));
            assertEquals(GrantStatus.GENERAL_ERROR.code(), over.status(), kind + " mapping " + (n + 1)
                    + " of one entry: the pin counter would pass its top bit (maptrack limit " + maptrackLimit + ")");
            assertEquals(busy, a.busy(ref), "the refused " + kind + " mapping changed the busy bits");
            otherCountersStillTakeUses(ref, frame, flags, kinds, devices, n, busy);
            GrantDomain.Mapped last = held.removeLast();
            assertEquals(OKAY, unmap(last, flags, n - 1), "unmap of " + kind + " mapping " + n);
            GrantDomain.Mapped again = b.map(a.domid(), ref, flags, hostAddr(flags, n - 1));
            assertEquals(OKAY, again.status(), kind + " mapping after an unmap below the counter's bound");
            held.add(again);
        }
        for (int i = 0; i < held.size(); i++) {
            assertEquals(OKAY, unmap(held.get(i), flags, i), "unmap of " + kind + " mapping " + (i + 1));
        }
        assertEquals(0, a.busy(ref), "busy bits after every " + kind + " mapping was unmapped");
        assertTrue(a.revoke(ref), "the granter revokes the entry after every " + kind + " mapping was unmapped");
    }

    /**
     * With the counter of {@code full} at its bound ({@code n} mappings held): a copy is refused when it adds to that
     * counter (Xen's {@code acquire_grant_for_copy} adds to host read for its source, host write for its destination)
     * and goes ahead otherwise, and every other kind of mapping goes ahead (Xen's {@code map_grant_ref} checks only
     * {@code GNTPIN_incr2oflow_mask(pin_incr)}, the counters the map adds to); nothing changes the busy bits for good.
     */
    private void otherCountersStillTakeUses(int ref, long frame, int full, int[] kinds, boolean devices, int n,
                                            int busy) {
        String kind = kindName(full);
        for (boolean from : new boolean[] {true, false}) {
            boolean refused = (full & HOST) != 0 && from == ((full & RO) != 0);
            b.fillFrame(b.data(0), (byte) 0x6B);
            a.fillFrame(frame, (byte) 0x29);
            GrantDomain.Copy copy = from
                    ? new GrantDomain.Copy(ref, a.domid(), 0, b.data(0), DomId.SELF, 0, 64, GntCopy.SOURCE_GREF)
                    : new GrantDomain.Copy(b.data(0), DomId.SELF, 0, ref, a.domid(), 0, 64, GntCopy.DEST_GREF);
            String what = "a copy " + (from ? "from" : "into") + " the entry with " + n + " " + kind + " mappings";
            if (refused) {
                assertEquals(GrantStatus.GENERAL_ERROR.code(), b.copy(copy)[0], what
                        + " (the host counter a copy adds to is at its bound)");
            } else {
                assertEquals(OKAY, b.copy(copy)[0], what + " (it adds to the host " + (from ? "read" : "write")
                        + " counter, which is not at its bound: only the counter a use adds to is checked)");
                assertEquals(from ? (byte) 0x29 : (byte) 0x6B, from ? b.byteAt(b.data(0), 63) : a.byteAt(frame, 63),
                        what + ": the last byte copied");
            }
            assertEquals(busy, a.busy(ref), what + " changed the busy bits");
        }
        for (int other : kinds) {
            if (other == full || ((other & DEVICE) != 0 && !devices)) {
                continue;
            }
            GrantDomain.Mapped m = b.map(a.domid(), ref, other, hostAddr(other, n + 1));
            assertEquals(OKAY, m.status(), "a " + kindName(other) + " mapping of the entry with " + n + " " + kind
                    + " mappings (its own counter is 0: only the counters a map adds to are checked)");
            assertEquals(OKAY, unmap(m, other, n + 1), "unmap of the " + kindName(other) + " mapping");
            assertEquals(busy, a.busy(ref), "the " + kindName(other) + " mapping and its unmap left the busy bits of "
                    + "the " + kind + " mappings changed");
        }
    }

    private static long hostAddr(int flags, int i) {
        return (flags & HOST) != 0 ? 0x10_0000L + 0x1000L * i : 0;
    }

    private int unmap(GrantDomain.Mapped m, int flags, int i) {
        return (flags & HOST) != 0 ? b.unmap(m.handle(), hostAddr(flags, i), 0) : b.unmap(m.handle(), 0, m.devBusAddr());
    }

    // ------------------------------------------------------------------------------------------ GNT-30

    /**
     * GNT-30: every slot of the maptrack in use, the first mapping unmapped and a new one made at its host address
     * (so it takes a reused slot), twice and then {@link GrantMaptrackVerification#SLOT_REUSES} times more; the first
     * handle is then stale, also with that address, and never handed out again.
     */
    void staleHandleOfAReusedSlotStaysStale() {
        Assumptions.assumeTrue(maptrackLimit != Integer.MAX_VALUE,
                "no maptrack limit declared (GNT-09 fails): GNT-30 needs a full maptrack");
        // enough references that no entry's pin counters get near their bound (as GNT-09)
        int refs = Math.min(GrantEntryV1Layout.ENTRIES_PER_FRAME - FIRST_REF, Math.max(64, maptrackLimit / 64 + 1));
        for (int r = 0; r < refs; r++) {
            a.grant(FIRST_REF + r, b.domid(), a.data(r % 4), true);
        }
        List<GrantDomain.Mapped> held = new ArrayList<>();
        for (int i = 0; i < maptrackLimit; i++) {
            GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF + (i % refs), HOST | RO, 0x1000L * (i + 1));
            assertEquals(OKAY, m.status(), "map " + (i + 1) + " of the declared maptrack limit " + maptrackLimit);
            held.add(m);
        }
        GrantDomain.Mapped first = held.removeFirst();
        assertEquals(OKAY, b.unmap(first.handle(), 0x1000, 0), "unmap of the first mapping");
        GrantDomain.Mapped between = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        assertEquals(OKAY, between.status(), "a map into the freed maptrack slot");
        assertEquals(OKAY, b.unmap(between.handle(), 0x1000, 0), "unmap of the mapping in the reused slot");
        GrantDomain.Mapped newer = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        assertEquals(OKAY, newer.status(), "a map into the slot freed twice");
        assertNotEquals(first.handle(), between.handle(), "the mapping in the reused slot got the unmapped mapping's "
                + "handle 0x" + Integer.toHexString(first.handle()) + ": a stale handle cannot be told apart from it");
        assertNotEquals(first.handle(), newer.handle(), "the mapping in the slot reused twice got the first mapping's "
                + "handle 0x" + Integer.toHexString(first.handle()) + " again");
        assertEquals(GrantStatus.BAD_HANDLE.code(), b.unmap(first.handle(), 0x1000, 0),
                "unmap of the stale handle 0x" + Integer.toHexString(first.handle()) + " (its slot was reused by handle 0x"
                        + Integer.toHexString(newer.handle()) + " at the same host address)");
        // the same slot taken again and again: the first handle never comes back and stays stale
        for (int k = 0; k < GrantMaptrackVerification.SLOT_REUSES; k++) {
            assertEquals(OKAY, b.unmap(newer.handle(), 0x1000, 0), "unmap of the mapping in the slot reused " + (k + 2)
                    + " times");
            newer = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
            assertEquals(OKAY, newer.status(), "a map into the slot freed " + (k + 3) + " times");
            assertNotEquals(first.handle(), newer.handle(), "the mapping in the slot reused " + (k + 3) + " times got "
                    + "the first mapping's handle 0x" + Integer.toHexString(first.handle()) + " again");
            assertEquals(GrantStatus.BAD_HANDLE.code(), b.unmap(first.handle(), 0x1000, 0), "unmap of the stale "
                    + "handle 0x" + Integer.toHexString(first.handle()) + " after its slot was reused " + (k + 3) + " times");
        }
        assertEquals(OKAY, b.unmap(newer.handle(), 0x1000, 0), "the newer mapping survives the stale handle's unmap");
        for (int j = 0; j < held.size(); j++) {
            int i = j + 1; // held lost its first element: held[j] is map i, made at 0x1000 * (i + 1)
            assertEquals(OKAY, b.unmap(held.get(j).handle(), 0x1000L * (i + 1), 0), "unmap of mapping " + (i + 1));
        }
        for (int r = 0; r < refs; r++) {
            assertEquals(0, a.busy(FIRST_REF + r), "busy bits of entry " + (FIRST_REF + r) + " after every unmap");
        }
    }
}
