package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.memory.GuestMemory;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GNT-27's copy cases at a reference's first use and at a later one. An implementation may keep state per entry
 * once it has been used (Xen's active entry; a cache, a fast path that skips the lookups of a first use), so every
 * case runs twice on the same references and must answer and act the same both times: references and frames of
 * both sides, the caller's own grants named through {@code DOMID_SELF}, a frame whose number is also a reference the
 * caller's own table has in use, the first reference past the table, the caller's frame 0 as a destination, and a
 * read-only grant as a destination. One instance serves one test method.
 */
final class CopyPaths {
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int LEN = 48;
    private static final int FIRST_REF = 8;
    /** References of A granted to B: read-only source, writable destination, read-only (refused) destination. */
    private static final int A_SRC = 18;
    private static final int A_DST = 19;
    private static final int A_RO_DST = 20;
    /** References of B granted to B itself: a source and a writable destination named through DOMID_SELF. */
    private static final int B_SELF_SRC = 21;
    private static final int B_SELF_DST = 22;
    /** A reference of A whose first use is a copy into B's frame 0. */
    private static final int A_TO_FRAME0 = 23;
    private static final Set<Integer> USED = Set.of(A_SRC, A_DST, A_RO_DST, B_SELF_SRC, B_SELF_DST, A_TO_FRAME0);

    private final GrantDomain a;
    private final GrantDomain b;

    CopyPaths(GrantDomain a, GrantDomain b) {
        this.a = a;
        this.b = b;
    }

    private static byte pattern(int side, int i) {
        return (byte) (side * 37 + i * 5 + 1);
    }

    private static void fillPattern(GrantDomain d, long gfn, int side) {
        for (int i = 0; i < GuestMemory.PAGE_SIZE; i++) {
            d.mem.setByte(GuestMemory.gpaOf(gfn) + i, pattern(side, i));
        }
    }

    /** Asserts that bytes [to, to + LEN) of {@code gfn} are side {@code side}'s pattern from {@code from}. */
    private static void assertArrived(GrantDomain d, long gfn, int to, int side, int from, String what) {
        for (int k = 0; k < LEN; k++) {
            assertEquals(pattern(side, from + k), d.byteAt(gfn, to + k), what + ": byte " + k);
        }
    }

    private static String use(int round) {
        return round == 1 ? " (the references' first use)" : " (a later use of the same references)";
    }

    /** Runs every case twice: first use, then a later use of the same references. */
    void firstAndLaterUse() {
        // A's frames: data(4) the read-only source, data(5) the writable destination, data(6) the read-only one,
        // data(7) the source of the copy into B's frame 0
        fillPattern(a, a.data(4), 1);
        fillPattern(a, a.data(7), 7);
        a.fillFrame(a.data(6), (byte) 0x6E);
        a.grant(A_SRC, b.domid(), a.data(4), true);
        a.grant(A_DST, b.domid(), a.data(5), false);
        a.grant(A_RO_DST, b.domid(), a.data(6), true);
        a.grant(A_TO_FRAME0, b.domid(), a.data(7), true);
        // B's own grants to itself (a domain may grant to its own id; DOMID_SELF names its own table)
        fillPattern(b, b.data(4), 2);
        b.grant(B_SELF_SRC, b.domid(), b.data(4), true);
        b.grant(B_SELF_DST, b.domid(), b.data(5), false);
        // a frame of B whose number is also a reference of B's table, granted to A and mapped by A: a copy naming
        // the frame must read the frame, not the entry's grant
        long collide = -1;
        long other = -1;
        for (int i = 8; i < b.dataFrames.size(); i++) {
            long f = b.data(i);
            if (f >= FIRST_REF && f < GrantEntryV1Layout.ENTRIES_PER_FRAME && !USED.contains((int) f)) {
                if (collide < 0) {
                    collide = f;
                } else if (other < 0) {
                    other = f;
                }
            }
        }
        assertTrue(collide >= 0 && other >= 0, "the kit found no data frame of B usable as a reference number");
        fillPattern(b, collide, 3);
        fillPattern(b, other, 4);
        b.grant((int) collide, a.domid(), other, true);
        GrantDomain.Mapped held = a.map(b.domid(), collide, GntMap.HOST_MAP | GntMap.READONLY, 0x7000_0000L);
        assertEquals(OKAY, held.status(), "A maps B's reference " + collide + " read-only");

        for (int round = 1; round <= 2; round++) {
            String u = use(round);
            // a grant of A into B's frame 0 (the grant's first use is this copy)
            b.mem.fill(0, GuestMemory.PAGE_SIZE, (byte) 0);
            assertEquals(OKAY, b.copy(new GrantDomain.Copy(A_TO_FRAME0, a.domid(), 100, 0, DomId.SELF, 200, LEN,
                    GntCopy.SOURCE_GREF))[0], "a copy from A's grant into B's frame 0" + u);
            assertArrived(b, 0, 200, 7, 100, "the copy from A's grant into B's frame 0" + u);
            assertEquals(0, a.busy(A_TO_FRAME0), "the copy into B's frame 0 released A's grant" + u);

            // B's frame 0 into A's writable grant (the grant's first use is this copy)
            fillPattern(b, 0, 5);
            a.fillFrame(a.data(5), (byte) 0);
            assertEquals(OKAY, b.copy(new GrantDomain.Copy(0, DomId.SELF, 300, A_DST, a.domid(), 1000, LEN,
                    GntCopy.DEST_GREF))[0], "a copy from B's frame 0 into A's writable grant" + u);
            assertArrived(a, a.data(5), 1000, 5, 300, "the copy from B's frame 0 into A's writable grant" + u);
            assertEquals(0, a.busy(A_DST), "the copy into A's writable grant released it" + u);

            // grant to grant
            a.fillFrame(a.data(5), (byte) 0);
            assertEquals(OKAY, b.copy(new GrantDomain.Copy(A_SRC, a.domid(), 64, A_DST, a.domid(), 2000, LEN,
                    GntCopy.SOURCE_GREF | GntCopy.DEST_GREF))[0], "a copy from A's grant into A's other grant" + u);
            assertArrived(a, a.data(5), 2000, 1, 64, "the copy from A's grant into A's other grant" + u);
            assertEquals(0, a.busy(A_SRC) | a.busy(A_DST), "the grant-to-grant copy released both grants" + u);

            // B's own grants, named through DOMID_SELF: the frames they grant, not frames numbered like the references
            b.fillFrame(b.data(6), (byte) 0);
            assertEquals(OKAY, b.copy(new GrantDomain.Copy(B_SELF_SRC, DomId.SELF, 8, b.data(6), DomId.SELF, 16, LEN,
                    GntCopy.SOURCE_GREF))[0], "a copy from B's own grant " + B_SELF_SRC + " through DOMID_SELF" + u);
            assertArrived(b, b.data(6), 16, 2, 8, "the copy from B's own grant through DOMID_SELF (it names frame "
                    + b.data(4) + ", not frame " + B_SELF_SRC + ")" + u);
            assertEquals(0, b.busy(B_SELF_SRC), "the copy from B's own grant released it" + u);
            b.fillFrame(b.data(5), (byte) 0);
            assertEquals(OKAY, b.copy(new GrantDomain.Copy(b.data(4), DomId.SELF, 24, B_SELF_DST, DomId.SELF, 3000, LEN,
                    GntCopy.DEST_GREF))[0], "a copy into B's own grant " + B_SELF_DST + " through DOMID_SELF" + u);
            assertArrived(b, b.data(5), 3000, 2, 24, "the copy into B's own grant through DOMID_SELF (it names frame "
                    + b.data(5) + ")" + u);
            assertEquals(0, b.busy(B_SELF_DST), "the copy into B's own grant released it" + u);

            // a frame side whose number is a reference of B's table in use: it is a frame
            b.fillFrame(b.data(6), (byte) 0);
            assertEquals(OKAY, b.copy(new GrantDomain.Copy(collide, DomId.SELF, 40, b.data(6), DomId.SELF, 80, LEN, 0))[0],
                    "a copy from B's frame " + collide + ", whose number is also a reference of B's table in use" + u);
            assertArrived(b, b.data(6), 80, 3, 40, "the copy from B's frame " + collide + " (not the frame " + other
                    + " that reference " + collide + " grants)" + u);
            fillPattern(b, b.data(6), 6);
            assertEquals(OKAY, b.copy(new GrantDomain.Copy(b.data(6), DomId.SELF, 500, collide, DomId.SELF, 600, LEN, 0))[0],
                    "a copy into B's frame " + collide + ", whose number is also a reference of B's table in use" + u);
            assertArrived(b, collide, 600, 6, 500, "the copy into B's frame " + collide + " (not into the frame "
                    + other + " that reference " + collide + " grants)" + u);
            fillPattern(b, collide, 3);
            assertEquals(GrantFlags.READING, b.busy((int) collide), "B's reference " + collide + " is still mapped by A"
                    + u);

            // the first reference past B's one-frame table, as either side
            int past = GrantEntryV1Layout.ENTRIES_PER_FRAME;
            b.fillFrame(b.data(6), (byte) 0);
            assertEquals(GrantStatus.BAD_GNTREF.code(), b.copy(new GrantDomain.Copy(past, a.domid(), 0, b.data(6),
                    DomId.SELF, 0, LEN, GntCopy.SOURCE_GREF))[0], "a copy from A's reference " + past
                    + ", the first past A's table" + u);
            assertEquals(GrantStatus.BAD_GNTREF.code(), b.copy(new GrantDomain.Copy(A_SRC, a.domid(), 0, past,
                    a.domid(), 0, LEN, GntCopy.SOURCE_GREF | GntCopy.DEST_GREF))[0], "a copy into A's reference "
                    + past + ", the first past A's table" + u);
            assertEquals(0, a.busy(A_SRC), "the copy refused for its destination released its source" + u);
            assertEquals(0, b.byteAt(b.data(6), 0), "a refused copy wrote its destination" + u);

            // a read-only grant is no destination, and the refusal releases the source
            assertEquals(GrantStatus.GENERAL_ERROR.code(), b.copy(new GrantDomain.Copy(A_SRC, a.domid(), 0, A_RO_DST,
                    a.domid(), 0, LEN, GntCopy.SOURCE_GREF | GntCopy.DEST_GREF))[0], "a copy into A's read-only grant"
                    + u);
            assertEquals(0x6E, a.byteAt(a.data(6), 0), "the copy refused by A's read-only grant wrote its frame" + u);
            assertEquals(0, a.busy(A_SRC) | a.busy(A_RO_DST), "the copy refused by A's read-only grant left busy bits"
                    + u);
        }
        assertEquals(OKAY, a.unmap(held.handle(), 0x7000_0000L, 0), "A unmaps B's reference " + collide);
        for (int ref : USED) {
            GrantDomain owner = ref == B_SELF_SRC || ref == B_SELF_DST ? b : a;
            assertEquals(0, owner.busy(ref), "reference " + ref + " is idle after the copies");
            assertTrue(owner.revoke(ref), "reference " + ref + " can be revoked after the copies");
        }
    }
}
