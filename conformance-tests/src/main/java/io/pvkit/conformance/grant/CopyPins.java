package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.hostile.HostileMemory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * GNT-40 and GNT-41: what a copy in progress does to the pins of the entries it uses. Xen's
 * {@code acquire_grant_for_copy} pins each grant side of a copy as a host mapping of its direction
 * ({@code act->pin += GNTPIN_hstr_inc} for the source, {@code GNTPIN_hstw_inc} for the destination) until
 * {@code release_grant_for_copy}; so while a copy runs, the entry is pinned by the copying domain, another domain's
 * map is refused ({@code act->domid}), unmapping the grantee's mappings does not clear the busy bits
 * ({@code unmap_common_complete} clears them only when {@code act->pin} has no such use left), and the copy counts
 * towards the 8-bit counter's bound ({@code GNTPIN_incr2oflow_mask}).
 *
 * <p><b>How the kit stands inside a copy.</b> B copies from A's reference {@code X} into A's reference {@code Y} (or
 * from {@code Y} into {@code X}); nobody else uses either entry, so {@code X}'s busy bits are the copy's own. Through
 * A's shared-memory view (the kit's {@link HostileMemory}) the kit watches the implementation's accesses to
 * {@code Y}'s flags word; at the first one made while {@code X}'s word shows the bits the copy sets
 * (GTF_reading for a source, GTF_reading|GTF_writing for a destination), the copy is stopped there and the kit makes
 * its maps and unmaps of {@code X}, on the copying thread, then lets the copy go on. Whatever order an implementation
 * acquires and releases the two sides in, it accesses the side it takes second while it holds the first, so one of
 * the two directions (X the source, X the destination) stops; the rules require at least one, and check every
 * direction that stops. Deterministic: nothing depends on the scheduler. What the kit saw inside the copy is
 * asserted after the copy returned (an assertion thrown inside the implementation's code would be its error).
 *
 * <p>The kit's own calls inside the copy take their arguments from the second half of the caller's scratch frame
 * (the copy's element is in the first half). They are made on the thread that is inside the copy, so an
 * implementation must not hold a lock there that its map and unmap take without being re-entrant (Xen holds only
 * the active entry of the side it is acquiring or releasing, and the grant table's read lock, which a map also takes
 * for reading). One instance serves one test method.
 */
final class CopyPins {
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int HOST = GrantTableSetupVerification.HOST;
    private static final int RO = GrantTableSetupVerification.RO;
    private static final int READING = GrantFlags.READING;
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;
    /** The kit's calls made inside a copy put their arguments here, in the caller's scratch frame. */
    private static final long ASIDE = 2048;
    /** How many accesses to the other side's flags word the kit watches per copy. */
    private static final int WATCHED = 64;
    private static final int LEN = 64;
    /** Xen's 8-bit pin counters refuse a use once the counter reaches 0x80 ({@code GNTPIN_cntr_width}). */
    static final int PINS_PER_KIND = 0x80;
    /**
     * The reference the kit maps inside the copy: {@value} when it is the copy's source, {@value} + 2 when it is its
     * destination (each direction has its own references, so that each has a first use); the other side of the copy
     * is the next reference.
     */
    private static final int X_SOURCE = 40;

    private final GrantDomain a;
    private final GrantDomain b;
    private final GrantDomain c;

    CopyPins(GrantDomain a, GrantDomain b, GrantDomain c) {
        this.a = a;
        this.b = b;
        this.c = c;
    }

    /** What the kit saw while the copy was stopped: failures are collected and asserted after the copy. */
    private static final class Seen {
        final List<String> wrong = new ArrayList<>();

        void status(int expected, int actual, String what) {
            if (expected != actual) {
                wrong.add(what + ": expected status " + GrantStatus.describe(expected) + ", got "
                        + GrantStatus.describe(actual));
            }
        }

        void negative(int actual, String what) {
            if (actual >= 0) {
                wrong.add(what + ": expected a negative status, got " + GrantStatus.describe(actual));
            }
        }

        void busy(int expected, int actual, String what) {
            if (expected != actual) {
                wrong.add(String.format("%s: expected busy bits 0x%x, got 0x%x", what, expected, actual));
            }
        }

        void assertNothingWrong(String where) {
            if (!wrong.isEmpty()) {
                fail(where + ": " + String.join("; ", wrong));
            }
        }
    }

    /**
     * Stops the copy at the first access to {@code Y}'s flags word made while {@code X}'s word shows {@code held}, and
     * runs {@code action} there, once.
     */
    private final class Stop {
        boolean armed = true;
        boolean reached;

        Stop(long xWord, long yWord, int held, Runnable action) {
            a.hostile.afterNextReads(yWord, 4, WATCHED, real -> {
                if (armed && !reached && (real.getIntVolatile(xWord) & BUSY) == held) {
                    reached = true;
                    action.run();
                }
            });
        }
    }

    private static String use(int round) {
        return round == 1 ? " (the references' first use)" : " (a later use of the same references)";
    }

    private static String side(boolean xIsSource) {
        return xIsSource ? "source" : "destination";
    }

    /** The reference the kit maps inside the copy. */
    private static int x(boolean xIsSource) {
        return xIsSource ? X_SOURCE : X_SOURCE + 2;
    }

    /** The other side of the copy. */
    private static int y(boolean xIsSource) {
        return x(xIsSource) + 1;
    }

    /**
     * One copy between A's references {@code X} and {@code Y} (from {@code X} when {@code xIsSource}), with
     * {@code inside} run at the stop.
     *
     * @return whether the copy stopped (it accessed {@code Y}'s entry while it held {@code X})
     */
    private boolean copyWithStop(boolean xIsSource, int round, Runnable inside) {
        int xRef = x(xIsSource);
        int yRef = y(xIsSource);
        long xFrame = a.data(12);
        long yFrame = a.data(13);
        long srcFrame = xIsSource ? xFrame : yFrame;
        long dstFrame = xIsSource ? yFrame : xFrame;
        a.grant(xRef, b.domid(), xFrame, xIsSource);
        a.grant(yRef, b.domid(), yFrame, !xIsSource);
        for (int i = 0; i < GuestMemory.PAGE_SIZE; i++) {
            a.mem.setByte(GuestMemory.gpaOf(srcFrame) + i, (byte) (i * 3 + round));
        }
        a.fillFrame(dstFrame, (byte) 0);
        int held = xIsSource ? READING : BUSY;
        Stop stop = new Stop(a.entryGpa(xRef), a.entryGpa(yRef), held, inside);
        int src = xIsSource ? xRef : yRef;
        int dst = xIsSource ? yRef : xRef;
        String what = "B's copy from A's reference " + src + " into A's reference " + dst + use(round);
        short st;
        try {
            st = b.copy(new GrantDomain.Copy(src, a.domid(), 100, dst, a.domid(), 200, LEN,
                    GntCopy.SOURCE_GREF | GntCopy.DEST_GREF))[0];
        } finally {
            stop.armed = false;
        }
        assertEquals(OKAY, st, what);
        for (int k = 0; k < LEN; k++) {
            assertEquals((byte) ((100 + k) * 3 + round), a.byteAt(dstFrame, 200 + k), what + ": byte " + k);
        }
        return stop.reached;
    }

    private void assertIdleAndRevocable(boolean xIsSource) {
        int xRef = x(xIsSource);
        int yRef = y(xIsSource);
        assertEquals(0, a.busy(xRef), "busy bits of A's reference " + xRef + " after the copy and every unmap");
        assertEquals(0, a.busy(yRef), "busy bits of A's reference " + yRef + " after the copy");
        assertTrue(a.revoke(xRef), "A revokes reference " + xRef + " after the copy and every unmap");
        assertTrue(a.revoke(yRef), "A revokes reference " + yRef + " after the copy");
    }

    // ------------------------------------------------------------------------------------------ GNT-40

    /** GNT-40: maps and unmaps of an entry while a copy holds it. */
    void copyInProgressPinsItsEntries() {
        for (int round = 1; round <= 2; round++) {
            int stopped = 0;
            for (boolean xIsSource : new boolean[] {true, false}) {
                Seen seen = new Seen();
                String where = "while B's copy held A's reference " + x(xIsSource) + " as its " + side(xIsSource)
                        + use(round);
                boolean reached = copyWithStop(xIsSource, round, () -> mapsInsideTheCopy(xIsSource, seen));
                seen.assertNothingWrong(where);
                if (reached) {
                    stopped++;
                }
                assertIdleAndRevocable(xIsSource);
            }
            assertStopped(stopped, round);
        }
    }

    /** At least one direction of a round stopped (see the class comment). */
    private static void assertStopped(int stopped, int round) {
        assertTrue(stopped > 0, "neither copy between two of A's grants" + use(round) + " accessed one entry's flags "
                + "word through the shared-memory view while the other showed the copy's busy bits: a copy sets each "
                + "grant side's busy bits in the entry (through the view, SHARED_MEMORY_VIEW) while it uses it, and "
                + "accesses the side it takes second while it holds the first");
    }

    /** Inside the copy: C's maps refused, B's two maps, the unmap of one and then of the other, B's map again. */
    private void mapsInsideTheCopy(boolean xIsSource, Seen seen) {
        int xRef = x(xIsSource);
        int held = xIsSource ? READING : BUSY;
        int flags = HOST | (xIsSource ? RO : 0);
        String kind = xIsSource ? "read-only" : "writable";
        // another domain: refused whatever it asks, and nothing changes
        seen.negative(mapAside(c, xRef, HOST | RO, 0x3000).status(), "C's read-only map of the entry");
        if (!xIsSource) {
            seen.negative(mapAside(c, xRef, HOST, 0x3000).status(), "C's writable map of the entry");
        }
        seen.busy(held, a.busy(xRef), "the busy bits after C's refused maps");
        // the grantee: two mappings, then one unmapped, then the other
        GrantDomain.Mapped m1 = mapAside(b, xRef, flags, 0x1000);
        GrantDomain.Mapped m2 = mapAside(b, xRef, flags, 0x2000);
        seen.status(OKAY, m1.status(), "B's first " + kind + " map of the entry");
        seen.status(OKAY, m2.status(), "B's second " + kind + " map of the entry");
        seen.busy(held, a.busy(xRef), "the busy bits with B's two mappings");
        if (m1.status() == OKAY) {
            seen.status(OKAY, unmapAside(b, m1.handle(), 0x1000), "B's unmap of its first mapping");
            seen.busy(held, a.busy(xRef), "the busy bits after B unmapped one of its two mappings (one mapping and the "
                    + "copy hold the entry)");
        }
        if (m2.status() == OKAY) {
            seen.status(OKAY, unmapAside(b, m2.handle(), 0x2000), "B's unmap of its second mapping");
            seen.busy(held, a.busy(xRef), "the busy bits after B unmapped its last mapping (the copy still holds the "
                    + "entry)");
        }
        seen.negative(mapAside(c, xRef, HOST | RO, 0x3000).status(), "C's read-only map after B's unmaps");
        // a read-only mapping of a destination: the copy alone keeps GTF_writing
        GrantDomain.Mapped again = mapAside(b, xRef, HOST | RO, 0x4000);
        seen.status(OKAY, again.status(), "B's read-only map of the entry after its unmaps");
        if (again.status() == OKAY) {
            seen.busy(held, a.busy(xRef), "the busy bits with B's read-only mapping");
            seen.status(OKAY, unmapAside(b, again.handle(), 0x4000), "B's unmap of its read-only mapping");
            seen.busy(held, a.busy(xRef), "the busy bits after that unmap (the copy still holds the entry)");
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-41

    /** GNT-41: the copy's pin counts towards the bound of the host counter of its direction. */
    void copyInProgressCountsTowardsThePinBound() {
        for (int round = 1; round <= 2; round++) {
            int stopped = 0;
            for (boolean xIsSource : new boolean[] {true, false}) {
                int xRef = x(xIsSource);
                Seen seen = new Seen();
                int flags = HOST | (xIsSource ? RO : 0);
                String kind = xIsSource ? "read-only" : "writable";
                List<GrantDomain.Mapped> held = new ArrayList<>();
                String where = "while B's copy held A's reference " + xRef + " as its " + side(xIsSource) + use(round);
                boolean reached = copyWithStop(xIsSource, round, () -> {
                    for (int i = 0; i < PINS_PER_KIND - 1; i++) {
                        GrantDomain.Mapped m = mapAside(b, xRef, flags, hostAddr(i));
                        if (m.status() != OKAY) {
                            seen.status(OKAY, m.status(), kind + " host mapping " + (i + 1) + " of the entry (with the "
                                    + "copy's pin: " + (i + 2) + " of " + PINS_PER_KIND + ")");
                            return;
                        }
                        held.add(m);
                    }
                    int busy = a.busy(xRef);
                    seen.status(GrantStatus.GENERAL_ERROR.code(), mapAside(b, xRef, flags, hostAddr(PINS_PER_KIND - 1))
                            .status(), kind + " host mapping " + PINS_PER_KIND + " of the entry: with the copy's pin "
                            + "the host " + (xIsSource ? "read" : "write") + " counter is at its bound (" + PINS_PER_KIND
                            + ")");
                    seen.busy(busy, a.busy(xRef), "the busy bits after the refused mapping");
                });
                seen.assertNothingWrong(where);
                if (reached) {
                    stopped++;
                    assertEquals(PINS_PER_KIND - 1, held.size(), "mappings made inside the copy");
                    GrantDomain.Mapped last = b.map(a.domid(), xRef, flags, hostAddr(PINS_PER_KIND - 1));
                    assertEquals(OKAY, last.status(), kind + " host mapping " + PINS_PER_KIND + " of the entry after "
                            + "the copy ended" + use(round));
                    held.add(last);
                }
                for (int i = 0; i < held.size(); i++) {
                    assertEquals(OKAY, b.unmap(held.get(i).handle(), hostAddr(i), 0), "unmap of " + kind
                            + " mapping " + (i + 1) + use(round));
                }
                assertIdleAndRevocable(xIsSource);
            }
            assertStopped(stopped, round);
        }
    }

    private static long hostAddr(int i) {
        return 0x10_0000L + 0x1000L * i;
    }

    // --------------------------------------------------------------------- calls made inside the copy

    /** A map of A's reference by {@code d}, with its arguments in the second half of {@code d}'s scratch frame. */
    private GrantDomain.Mapped mapAside(GrantDomain d, int ref, int flags, long hostAddr) {
        long args = d.scratch + ASIDE;
        d.writeMap(args, a.domid(), ref, flags, hostAddr);
        long rc = d.op(GrantTableOp.MAP_GRANT_REF, args, 1);
        return rc != 0 ? new GrantDomain.Mapped((int) Math.max(rc, Integer.MIN_VALUE), -1, 0) : d.readMap(args);
    }

    /** An unmap of a host mapping by {@code d}, with its arguments in the second half of its scratch frame. */
    private static int unmapAside(GrantDomain d, int handle, long hostAddr) {
        long args = d.scratch + ASIDE;
        d.mem.setLong(args + GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET, hostAddr);
        d.mem.setLong(args + GnttabUnmapGrantRefLayout.DEV_BUS_ADDR_OFFSET, 0);
        d.mem.setInt(args + GnttabUnmapGrantRefLayout.HANDLE_OFFSET, handle);
        d.mem.setShort(args + GnttabUnmapGrantRefLayout.STATUS_OFFSET, (short) 0x7777);
        long rc = d.op(GrantTableOp.UNMAP_GRANT_REF, args, 1);
        return rc != 0 ? (int) Math.max(rc, Integer.MIN_VALUE) : d.mem.getShort(args + GnttabUnmapGrantRefLayout.STATUS_OFFSET);
    }
}
