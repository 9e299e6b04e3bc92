package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GrantEntryV1Layout;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The third part of {@link GrantTableVerification} (extend that class, not this one): the maptrack, i.e. the
 * mapping handles and their limits (GNT-08, GNT-09, GNT-29, GNT-30): bad, stale and double unmaps, exhaustion and
 * recovery, the pin counters' bound, a stale handle of a reused slot.
 */
public abstract class GrantMaptrackVerification extends GrantMapVerification {

    /** For subclasses. */
    protected GrantMaptrackVerification() {
    }

    // ------------------------------------------------------------------------------------------ GNT-08

    /**
     * Rule {@linkplain GrantRules GNT-08}: bad, stale and double unmaps are {@code GNTST_bad_handle}.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the handle is range-checked and must name a live maptrack entry of the caller;</li>
     *   <li>a freed handle is marked free before any count is dropped, so a second unmap finds nothing;</li>
     *   <li>a handle reused for a new mapping is not reachable through the old value, or at least counts
     *       never go below zero.</li>
     * </ul>
     */
    @Test
    public void required_GNT_08_badStaleAndDoubleUnmaps() {
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        assertEquals(BAD_HANDLE, b.unmap(0x7654321, 0x1000, 0), "bogus handle");
        assertEquals(BAD_HANDLE, b.unmap(-1, 0x1000, 0), "handle 0xFFFFFFFF");
        assertEquals(BAD_HANDLE, b.unmap(0x7FFF_FFFF, 0x1000, 0), "handle 0x7FFFFFFF");
        assertEquals(BAD_HANDLE, b.unmap(0xFFFF, 0x1000, 0), "handle 0xFFFF");
        GrantDomain.Mapped x = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
        GrantDomain.Mapped y = b.map(a.domid(), FIRST_REF, HOST, 0x2000);
        assertEquals(OKAY, x.status());
        assertEquals(OKAY, y.status());
        assertEquals(BAD_HANDLE, c.unmap(x.handle(), 0x1000, 0), "another domain's handle");
        assertEquals(OKAY, b.unmap(x.handle(), 0x1000, 0));
        assertEquals(BAD_HANDLE, b.unmap(x.handle(), 0x1000, 0), "double unmap");
        assertEquals(BUSY, a.busy(FIRST_REF), "the double unmap did not drop y's pin");
        assertEquals(OKAY, b.unmap(y.handle(), 0x2000, 0));
        assertEquals(0, a.busy(FIRST_REF));
        assertEquals(BAD_HANDLE, b.unmap(y.handle(), 0x2000, 0), "double unmap of the last mapping");
        assertEquals(0, a.busy(FIRST_REF), "no count went below zero");
    }

    // ------------------------------------------------------------------------------------------ GNT-09

    /**
     * How many times GNT-09 and GNT-30 free and take one maptrack slot again: more than an 8-bit reuse count (or
     * generation) can tell apart.
     */
    static final int SLOT_REUSES = 300;

    /**
     * Rule {@linkplain GrantRules GNT-09}: maptrack exhaustion is {@code GNTST_no_space} and recoverable.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the maptrack has a limit per domain, {@link #maptrackLimit()} declares it, and a full maptrack is
     *       reported as no_space (not general_error);</li>
     *   <li>unmapping returns the handle to the free list, and the free list holds every slot of the limit (a
     *       maptrack that grows keeps the slots freed before it grew, and has room for all of them after);</li>
     *   <li>a handle is range-checked against the slots in use before its slot is read (a handle just past them,
     *       where a grown array may end, is bad_handle, not an error);</li>
     *   <li>a slot's reuse count (a handle's generation) wraps within its bits and never reaches the bits that make
     *       a handle negative or collide with the index.</li>
     * </ul>
     */
    @Test
    public void required_GNT_09_maptrackExhaustionIsRecoverable() {
        int limit = maptrackLimit();
        assertTrue(limit > 0, "the implementation declares no maptrack limit (maptrackLimit() = " + limit
                + "): an unbounded maptrack lets one guest exhaust hypervisor memory (XSA-218/228)");
        assertTrue(limit <= MAX_TESTED_MAPTRACK, "declared maptrack limit " + limit + " is above "
                + MAX_TESTED_MAPTRACK + "; configure a smaller one for the test");
        // enough references that no entry's pin counters (128 per kind) get near their bound
        int refs = Math.min(GrantEntryV1Layout.ENTRIES_PER_FRAME - FIRST_REF, Math.max(64, limit / 64 + 1));
        for (int r = 0; r < refs; r++) {
            a.grant(FIRST_REF + r, b.domid(), a.data(0), true);
        }
        // some slots freed before the maptrack fills (and, in an implementation that grows it, before it grows)
        int early = limit >= 8 ? 4 : 0;
        long earlyAddr = 0x4000_0000L;
        long highest = -1; // the highest handle issued so far (u32): one above it was never issued
        List<GrantDomain.Mapped> kept = new ArrayList<>();
        for (int j = 0; j < 2 * early; j++) {
            GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF + j, HOST | RO, earlyAddr + 0x1000L * j);
            assertEquals(OKAY, m.status(), "early map " + (j + 1));
            highest = Math.max(highest, Integer.toUnsignedLong(m.handle()));
            if (j % 2 == 0) {
                assertEquals(OKAY, b.unmap(m.handle(), earlyAddr + 0x1000L * j, 0), "early unmap " + (j + 1));
            } else {
                kept.add(m);
            }
        }
        List<GrantDomain.Mapped> held = new ArrayList<>();
        for (int i = 0; i < limit - early; i++) {
            GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF + (i % refs), HOST | RO, 0x1000 + 0x1000L * i);
            assertEquals(OKAY, m.status(), "map " + (i + 1 + early) + " of the declared limit " + limit + " ("
                    + early + " of them held since before " + early + " earlier mappings were unmapped)");
            held.add(m);
            highest = Math.max(highest, Integer.toUnsignedLong(m.handle()));
            if (highest < 0xFFFF_FFFFL) {
                // a handle never issued, wherever the maptrack's slots end: right after the highest one
                assertEquals(BAD_HANDLE, b.unmap((int) (highest + 1), 0x1000 + 0x1000L * i, 0), "unmap of handle 0x"
                        + Long.toHexString(highest + 1) + ", one above every handle issued, with " + (i + 1 + early)
                        + " mappings held");
            }
        }
        assertEquals(NO_SPACE, b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000).status(),
                "the first map beyond the declared maptrack limit " + limit);
        assertEquals(NO_SPACE, b.map(a.domid(), FIRST_REF + 1, HOST | RO, 0x2000).status(), "and the next one");
        GrantDomain.Mapped first = held.removeFirst();
        assertEquals(OKAY, b.unmap(first.handle(), 0x1000, 0));
        GrantDomain.Mapped again = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        assertEquals(OKAY, again.status(), "mapping works again after an unmap");
        held.addFirst(again);
        assertEquals(NO_SPACE, b.map(a.domid(), FIRST_REF, HOST | RO, 0x3000).status(), "and the limit still holds");
        assertEquals(limit - early, held.size());

        // every slot freed at once (more free slots than a maptrack starts with), then the whole limit mapped again
        for (int i = 0; i < held.size(); i++) {
            assertEquals(OKAY, b.unmap(held.get(i).handle(), 0x1000 + 0x1000L * i, 0), "unmap " + (i + 1) + " of "
                    + limit);
        }
        for (int j = 0; j < kept.size(); j++) {
            assertEquals(OKAY, b.unmap(kept.get(j).handle(), earlyAddr + 0x1000L * (2 * j + 1), 0), "unmap of early "
                    + "mapping " + (2 * j + 2));
        }
        for (int r = 0; r < refs; r++) {
            assertEquals(0, a.busy(FIRST_REF + r), "busy bits of entry " + (FIRST_REF + r) + " after every unmap");
        }
        held.clear();
        for (int i = 0; i < limit; i++) {
            GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF + (i % refs), HOST | RO, 0x1000 + 0x1000L * i);
            assertEquals(OKAY, m.status(), "map " + (i + 1) + " of the declared limit " + limit
                    + " after all " + limit + " mappings were unmapped");
            held.add(m);
        }
        assertEquals(NO_SPACE, b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000).status(),
                "the first map beyond the declared limit " + limit + " after every slot was reused");

        // one slot freed and taken again and again while every other slot is held: each map still succeeds
        long lastAddr = 0x1000 + 0x1000L * (limit - 1);
        for (int k = 0; k < SLOT_REUSES; k++) {
            assertEquals(OKAY, b.unmap(held.getLast().handle(), lastAddr, 0), "unmap before reuse " + (k + 1)
                    + " of one maptrack slot");
            GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF + ((limit - 1) % refs), HOST | RO, lastAddr);
            assertEquals(OKAY, m.status(), "map " + (k + 1) + " into the one free maptrack slot (a full maptrack, the same "
                    + "slot freed and taken " + SLOT_REUSES + " times)");
            held.set(held.size() - 1, m);
        }
        for (int i = 0; i < limit; i++) {
            assertEquals(OKAY, b.unmap(held.get(i).handle(), 0x1000 + 0x1000L * i, 0), "unmap " + (i + 1)
                    + " of the reused slots");
        }
    }

    // ---------------------------------------------------------------------------------- GNT-29, GNT-30

    /** GNT-29 and GNT-30 (pin counters and stale handles of the maptrack) live in {@link MaptrackChecks}. */
    private MaptrackChecks maptrackChecks() {
        return new MaptrackChecks(a, b, maptrackLimit());
    }

    /**
     * Rule {@linkplain GrantRules GNT-29}: B maps one entry of A again and again, one kind of mapping per entry
     * (host read-only, host writable, and, when the implementation maps for devices, device read-only and device
     * writable): 128 mappings succeed and the 129th is {@code GNTST_general_error}, with the busy bits unchanged, as
     * is a copy from the entry with 128 read-only host mappings and one into it with 128 writable ones; with one
     * counter at its bound, a mapping of every other kind succeeds (and is unmapped), and so does the copy in the
     * direction whose host counter is not full (both directions when a device counter is full), with its bytes
     * copied and the busy bits as before; after one unmap the entry is mapped again, and after the last unmap it is
     * idle. With a declared maptrack limit of 128 or less only the mappings below the limit are checked.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>each kind of use of an entry has its own pin counter, bounded as Xen's 8-bit {@code GNTPIN_*} fields:
     *       a map is refused while the counter it increments has its top bit (0x80) set, so it reaches 128 and
     *       never wraps;</li>
     *   <li>the refusal comes before the entry's flags are touched and before a maptrack handle is kept;</li>
     *   <li>a copy adds to a host counter too (Xen's {@code acquire_grant_for_copy}: read for its source, write for its
     *       destination) and is refused at the same bound;</li>
     *   <li>only the counters a use adds to are checked ({@code GNTPIN_incr2oflow_mask(pin_incr)}): an entry with 128
     *       read-only host mappings still takes a writable host mapping, device mappings and a copy into it; a check
     *       of "any counter at its bound" refuses those;</li>
     *   <li>an unmap lowers the counter, so the bound is not sticky.</li>
     * </ul>
     */
    @Test
    public void required_GNT_29_pinCountersStopAtTheirTopBit() {
        maptrackChecks().pinCountersStopAtTheirTopBit();
    }

    /**
     * Rule {@linkplain GrantRules GNT-30}: B fills its maptrack (the declared limit), unmaps its first mapping and
     * maps again at the same host address, which can only take a freed slot, twice; the first handle must differ
     * from both new ones and stay stale: its unmap is {@code GNTST_bad_handle}, and the new mapping stays (its own unmap
     * succeeds); then the slot is freed and taken {@value #SLOT_REUSES} times more, and no new mapping gets the first
     * handle. Xen's handles are bare maptrack indices and fail this SHOULD rule; pvkit's carry a generation.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a handle carries the slot's generation besides its index, and the generation advances each time
     *       the slot is freed;</li>
     *   <li>the lookup compares the whole handle, not only the index.</li>
     * </ul>
     */
    @Test
    public void optional_GNT_30_staleHandleOfAReusedSlotStaysStale() {
        maptrackChecks().staleHandleOfAReusedSlotStaysStale();
    }
}
