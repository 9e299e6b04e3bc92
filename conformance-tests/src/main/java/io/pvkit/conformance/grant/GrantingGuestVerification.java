package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.grant.GrantingGuest.EndOfAccess;
import io.pvkit.conformance.grant.GrantingGuest.Entry;
import io.pvkit.conformance.hostile.HostileMemory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A part of {@link GrantTableVerification} (extend that class, not this one): the granting guest's own table, through
 * the {@link GrantingGuest} hook (FE-11 .. FE-16). Domain A grants, B and C map through {@code grant_table_op} on the
 * hypervisor under test, and the kit reads A's entries from A's memory as the hypervisor does. The granting code
 * reaches A's memory through what the kit passes it: a log of its writes (FE-11) or a {@link HostileMemory} that lets
 * B map the entry right after the granting code's first read of it (FE-13).
 */
public abstract class GrantingGuestVerification extends GrantTeardownVerification {

    private static final int TYPE_AND_BUSY = GrantFlags.TYPE_MASK | BUSY;

    /** For subclasses. */
    protected GrantingGuestVerification() {
    }

    // ------------------------------------------------------------------------------------------ FE-11

    /**
     * Rule {@linkplain GrantRules FE-11}: four grants (to B and C, read-only and writable) and one reserved reference
     * (1, xenstore), each written through a log of A's memory: the entry is exactly
     * {@code domid << 16 | GTF_permit_access [| GTF_readonly]} and the frame, no other entry changed, and replaying the
     * writes shows no moment at which the entry was valid with another frame or grantee, the write that made it valid
     * being a release store, a volatile store, a compare-and-swap, or a store after {@link MemoryAccess#releaseFence()}
     * with no write of the table between the fence and it (Linux's {@code wmb(); flags = ...}). The grantee maps each grant as asked (what the
     * hypervisor refuses is GNT-02/GNT-03's).
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the entry is written frame (and domid) first, then the flags word with {@code setIntRelease}, or with
     *       {@code releaseFence()} and then a plain store (the {@code wmb()} of {@code grant_table.h}), never flags
     *       first and never with a plain store alone (a fence of your own, e.g. {@code VarHandle.releaseFence()},
     *       does not go through the memory the kit watches: use {@code MemoryAccess.releaseFence()});</li>
     *   <li>the entry address is {@code frame[ref / 512] + (ref % 512) * 8};</li>
     *   <li>the adapter builds the granting code over the memory passed to {@code createGrantingGuest}.</li>
     * </ul>
     */
    @Test
    public void required_FE_11_grantPublishesTheEntryFlagsLast() {
        long table = GuestMemory.gpaOf(a.tableFrames[0]);
        EntryWriteLog log = new EntryWriteLog(a.mem, table, table + GuestMemory.PAGE_SIZE);
        GrantingGuest guest = grantingGuest(log, a.tableFrames.clone());
        for (int i = 0; i < 5; i++) {
            GrantDomain grantee = i % 2 == 0 ? b : c;
            boolean ro = i % 3 == 1;
            long gfn = a.data(i);
            byte[] before = frameBytes(a, a.tableFrames[0]);
            log.clear();
            int ref;
            if (i < 4) {
                ref = guest.grantAccess(grantee.domid(), gfn, ro);
                assertTrue(ref >= FIRST_REF && ref < GrantEntryV1Layout.ENTRIES_PER_FRAME, "grant " + i + " got reference "
                        + ref + ": 0..7 are reserved and the table has one frame");
            } else {
                ref = unusedReservedRef();
                guest.grantReserved(ref, grantee.domid(), gfn, ro);
            }
            String what = "grant " + i + " (reference " + ref + ", read-only " + ro + ")";
            int flags = GrantFlags.PERMIT_ACCESS | (ro ? GrantFlags.READONLY : 0);
            assertEntry(a.entryGpa(ref), grantee.domid(), gfn, flags, what);
            byte[] after = frameBytes(a, a.tableFrames[0]);
            for (int k = 0; k < after.length; k++) {
                if (k / GrantEntryV1Layout.SIZE != ref) {
                    assertEquals(before[k], after[k], what + " changed byte " + k + " of the table (entry "
                            + k / GrantEntryV1Layout.SIZE + ")");
                }
            }
            checkPublishOrder(log.writes(), a.entryGpa(ref), grantee.domid(), gfn, what);
            GrantDomain.Mapped m = grantee.map(a.domid(), ref, HOST | (ro ? RO : 0), 0x1000);
            assertEquals(OKAY, m.status(), "the grantee maps " + what + " as granted");
            assertEquals(OKAY, grantee.unmap(m.handle(), 0x1000, 0), "unmap of " + what);
        }
    }

    private static void checkPublishOrder(List<EntryWriteLog.Write> writes, long entry, int domid, long gfn, String what) {
        assertFalse(writes.isEmpty(), what + ": no write of the table went through the memory passed to "
                + "createGrantingGuest (the adapter must build the granting code over it)");
        boolean valid = false;
        for (EntryWriteLog.Write w : writes) {
            if (w.entryGpa() != entry) {
                continue;
            }
            long e = w.entryAfter();
            int flags = (int) (e & 0xFFFF);
            boolean nowValid = (flags & GrantFlags.TYPE_MASK) != 0;
            if (nowValid) {
                assertEquals(domid, (int) ((e >>> 16) & 0xFFFF), what + ": the entry was valid with another domid "
                        + "(the flags were written before the domid)");
                assertEquals(gfn, e >>> 32, what + ": the entry was valid with another frame (the flags were written "
                        + "before the frame)");
                if (!valid) {
                    assertTrue(w.ordered(), what + ": the write that made the entry valid is a plain store; it must be "
                            + "a release store (or volatile, or a compare-and-swap, or a store after MemoryAccess.releaseFence()) so "
                            + "that the frame is seen first");
                }
            }
            valid = nowValid;
        }
        assertTrue(valid, what + ": the last write of the entry did not leave it valid");
    }

    // ------------------------------------------------------------------------------------------ FE-12

    /**
     * Rule {@linkplain GrantRules FE-12}: a grant mapped by B: end of access answers {@code STILL_IN_USE} and the
     * 8-byte entry is unchanged; after the unmap {@code REVOKED} and the flags are 0; a second end
     * answers {@code NOT_GRANTED}, and so does the end of every other reference (the reserved ones, one written by
     * {@code grantReserved} included, those never handed out, 512 and beyond, negative ones), with the table unchanged
     * and the reserved grant still mappable.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the end of access is a compare-and-swap of the flags that gives up while GTF_reading or GTF_writing is
     *       set, and writes nothing then;</li>
     *   <li>the end first checks that the reference is a live grant of the allocator (not reserved, inside the table,
     *       handed out and not ended), and answers "not granted" before touching the entry.</li>
     * </ul>
     */
    @Test
    public void required_FE_12_endOfAccessAnswersTheEntrysState() {
        GrantingGuest guest = grantingGuest(a.mem, a.tableFrames.clone());
        int reserved = unusedReservedRef();
        guest.grantReserved(reserved, b.domid(), a.data(3), true);
        int ref = guest.grantAccess(b.domid(), a.data(0), false);
        GrantDomain.Mapped m = b.map(a.domid(), ref, HOST, 0x1000);
        assertEquals(OKAY, m.status(), "B maps the grant");
        long mapped = a.mem.getLong(a.entryGpa(ref));
        assertEquals(EndOfAccess.STILL_IN_USE, guest.endAccess(ref), "end of access while B maps the grant");
        assertEquals(mapped, a.mem.getLong(a.entryGpa(ref)), "the entry (flags with GTF_reading|GTF_writing, domid, frame) "
                + "after the end of access that answered 'still in use'");
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertEquals(EndOfAccess.REVOKED, guest.endAccess(ref), "end of access after the unmap");
        assertEquals(0, a.flags(ref), "the flags after the end of access");
        byte[] table = frameBytes(a, a.tableFrames[0]);
        assertEquals(EndOfAccess.NOT_GRANTED, guest.endAccess(ref), "a second end of access of reference " + ref);
        for (int r = -1; r <= GrantEntryV1Layout.ENTRIES_PER_FRAME; r++) {
            if (r != ref) {
                assertEquals(EndOfAccess.NOT_GRANTED, guest.endAccess(r), "end of access of reference " + r
                        + ", which the allocator never handed out");
            }
        }
        for (int r : new int[] {Integer.MIN_VALUE, 1 << 16, Integer.MAX_VALUE}) {
            assertEquals(EndOfAccess.NOT_GRANTED, guest.endAccess(r), "end of access of reference " + r);
        }
        assertArrayEquals(table, frameBytes(a, a.tableFrames[0]), "the table after ends of access of references that "
                + "are not live grants");
        GrantDomain.Mapped console = b.map(a.domid(), reserved, HOST | RO, 0x2000);
        assertEquals(OKAY, console.status(), "B maps reserved reference " + reserved + " after its stray end of access");
        assertEquals(OKAY, b.unmap(console.handle(), 0x2000, 0));
    }

    // ------------------------------------------------------------------------------------------ FE-13

    /**
     * Rule {@linkplain GrantRules FE-13}: A's granting code reaches its memory through a {@link HostileMemory} that
     * lets B map the grant (a real {@code map_grant_ref}) right after the end of access's first read of the flags.
     * Exactly one of them wins: the map succeeded and the end answers {@code STILL_IN_USE} with the entry still valid
     * and busy, or the map failed and the end answers {@code REVOKED} with the flags 0. Then, after the unmap, the end
     * answers {@code REVOKED}.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the flags are cleared with a compare-and-swap against the value that was checked (the cmpxchg loop of
     *       {@code gnttab_end_foreign_access_ref_v1}), never with a store after the check (XSA-396);</li>
     *   <li>a failed compare-and-swap re-checks GTF_reading/GTF_writing on the value it returned.</li>
     * </ul>
     */
    @Test
    public void required_FE_13_endOfAccessRacingAMapHasOneWinner() {
        HostileMemory hostile = new HostileMemory(a.mem);
        GrantingGuest guest = grantingGuest(hostile, a.tableFrames.clone());
        for (boolean ro : new boolean[] {false, true}) {
            int ref = guest.grantAccess(b.domid(), a.data(ro ? 1 : 0), ro);
            int flags = GrantFlags.PERMIT_ACCESS | (ro ? GrantFlags.READONLY : 0);
            GrantDomain.Mapped[] raced = new GrantDomain.Mapped[1];
            long hostAddr = ro ? 0x2000 : 0x1000;
            int readsSoFar = hostile.field(a.entryGpa(ref), 2).reads(a.entryGpa(ref)); // the reference may be reused
            hostile.afterRead(a.entryGpa(ref), 2, readsSoFar + 1,
                    real -> raced[0] = b.map(a.domid(), ref, HOST | (ro ? RO : 0), hostAddr));
            EndOfAccess end = guest.endAccess(ref);
            String what = "reference " + ref + " (read-only " + ro + ")";
            assertNotNull(raced[0], "the end of access of " + what + " never read the flags through the memory passed "
                    + "to createGrantingGuest");
            int word = a.mem.getIntVolatile(a.entryGpa(ref));
            if (raced[0].status() == OKAY) {
                assertEquals(EndOfAccess.STILL_IN_USE, end, "B mapped " + what + " after the end of access read its "
                        + "flags: the end must fail (its compare-and-swap sees GTF_reading), not report the page free "
                        + "while B maps it");
                assertEquals(flags | GrantFlags.READING, word & (GrantFlags.TYPE_MASK | GrantFlags.READONLY
                        | GrantFlags.READING), "the flags of " + what + " while B maps it");
                assertEquals(b.domid(), word >>> 16, "the domid of " + what + " while B maps it");
                assertEquals(OKAY, b.unmap(raced[0].handle(), hostAddr, 0), "unmap of " + what);
                assertEquals(EndOfAccess.REVOKED, guest.endAccess(ref), "end of access of " + what + " after the unmap");
            } else {
                assertEquals(EndOfAccess.REVOKED, end, "B's map of " + what + " failed (" + raced[0].status()
                        + "), so the end of access won");
            }
            assertEquals(0, a.flags(ref), "the flags of " + what + " after the end of access");
        }
    }

    // ------------------------------------------------------------------------------------------ FE-14

    /**
     * Rule {@linkplain GrantRules FE-14}: over a table of two frames (one when the hypervisor allows one), the fresh
     * allocator counts {@code 512 * frames - 8} free references and hands out exactly those, each once and each entry
     * exact; then it answers {@code NO_FREE_REF} without writing anything; an end that answered {@code STILL_IN_USE}
     * frees nothing; an end that answered {@code REVOKED} frees its reference once (a second end frees nothing), which
     * the next grant gets; at the end every reference is free again.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the free list holds {@code 8 .. 512 * frames - 1} and the count starts at its size;</li>
     *   <li>the allocator answers "none free" when the count is 0, before touching any entry;</li>
     *   <li>only an end that revoked the entry puts the reference back, and only when it was handed out and not yet
     *       returned (two ends of one reference must not put it back twice: two live grants would share it).</li>
     * </ul>
     */
    @Test
    public void required_FE_14_allocatorHandsOutEveryReferenceOnce() {
        long[] frames = tableOfUpToTwoFrames();
        GrantingGuest guest = grantingGuest(a.mem, frames.clone());
        int total = GrantEntryV1Layout.ENTRIES_PER_FRAME * frames.length - FIRST_REF;
        assertEquals(total, guest.freeRefs(), "free references of a fresh table of " + frames.length + " frame(s)");
        Set<Integer> refs = new HashSet<>();
        for (int i = 0; i < total; i++) {
            long gfn = a.data(i % 4);
            boolean ro = i % 2 == 0;
            int ref = guest.grantAccess(b.domid(), gfn, ro);
            assertTrue(ref >= FIRST_REF && ref < total + FIRST_REF, "grant " + i + " got reference " + ref);
            assertTrue(refs.add(ref), "grant " + i + " got reference " + ref + " again");
            assertEquals(total - i - 1, guest.freeRefs(), "free references after " + (i + 1) + " grants");
            assertEntry(entryGpa(frames, ref), b.domid(), gfn, GrantFlags.PERMIT_ACCESS | (ro ? GrantFlags.READONLY : 0),
                    "grant " + i + " (reference " + ref + ")");
        }
        byte[][] full = tableBytes(frames);
        assertEquals(GrantingGuest.NO_FREE_REF, guest.grantAccess(c.domid(), a.data(5), false), "a grant with every "
                + "reference in use");
        assertEquals(0, guest.freeRefs(), "free references of a full table");
        assertTableEquals(full, frames, "a grant that found no free reference");

        int held = FIRST_REF;
        GrantDomain.Mapped m = b.map(a.domid(), held, HOST | RO, 0x1000);
        assertEquals(OKAY, m.status(), "B maps reference " + held);
        assertEquals(EndOfAccess.STILL_IN_USE, guest.endAccess(held), "end of access of the mapped reference " + held);
        assertEquals(0, guest.freeRefs(), "free references after an end of access that failed");
        assertEquals(GrantingGuest.NO_FREE_REF, guest.grantAccess(c.domid(), a.data(5), false), "a grant after an end "
                + "of access that failed");

        int x = FIRST_REF + 1;
        assertEquals(EndOfAccess.REVOKED, guest.endAccess(x), "end of access of reference " + x);
        assertEquals(1, guest.freeRefs(), "free references after one end of access");
        guest.endAccess(x);
        assertEquals(1, guest.freeRefs(), "free references after a second end of access of reference " + x);
        assertEquals(x, guest.grantAccess(c.domid(), a.data(5), false), "the grant after reference " + x
                + " (the only free one) was ended");
        assertEntry(a.entryGpa(x), c.domid(), a.data(5), GrantFlags.PERMIT_ACCESS, "reference " + x + " granted again");
        assertEquals(GrantingGuest.NO_FREE_REF, guest.grantAccess(c.domid(), a.data(6), false), "a second grant: "
                + "reference " + x + " was freed twice");

        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertEquals(EndOfAccess.REVOKED, guest.endAccess(held), "end of access of reference " + held + " after the unmap");
        assertEquals(held, guest.grantAccess(c.domid(), a.data(6), true), "the grant after reference " + held
                + " (the only free one) was ended");
        for (int ref : refs) {
            assertEquals(EndOfAccess.REVOKED, guest.endAccess(ref), "end of access of reference " + ref);
        }
        assertEquals(total, guest.freeRefs(), "free references after every grant ended");
    }

    // ------------------------------------------------------------------------------------------ FE-15

    /**
     * Rule {@linkplain GrantRules FE-15}: {@code grantReserved} of 8, 511, 512 and -1, and {@code grantAccess} to
     * {@code DOMID_SELF}, {@code DOMID_IO}, 0x7FFF and 0x10000 or of frame -1 and of the first frame past A's memory
     * ({@code sharePage} too), throw {@link IllegalArgumentException}, with the table and the free count unchanged;
     * every unused reserved reference 0 .. 7, frame 0 and A's last frame are granted.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>{@code grantReserved} takes only 0 .. 7 ({@code GNTTAB_NR_RESERVED_ENTRIES}): the other references belong
     *       to the allocator, which may hand them out;</li>
     *   <li>the grantee is below {@code DOMID_FIRST_RESERVED} (0x7FF0) and the frame inside the guest's memory, checked
     *       before a reference is taken.</li>
     * </ul>
     */
    @Test
    public void optional_FE_15_grantsThatCannotBeMadeAreRefused() {
        GrantingGuest guest = grantingGuest(a.mem, a.tableFrames.clone());
        int free = guest.freeRefs();
        byte[] table = frameBytes(a, a.tableFrames[0]);
        for (int ref : new int[] {FIRST_REF, GrantEntryV1Layout.ENTRIES_PER_FRAME - 1, GrantEntryV1Layout.ENTRIES_PER_FRAME, -1}) {
            assertThrows(IllegalArgumentException.class, () -> guest.grantReserved(ref, b.domid(), a.data(0), false),
                    "grantReserved of reference " + ref);
        }
        for (int domid : new int[] {DomId.SELF, DomId.IO, DomId.IDLE, 0x10000}) {
            assertThrows(IllegalArgumentException.class, () -> guest.grantAccess(domid, a.data(0), false),
                    "a grant to domain " + Integer.toHexString(domid));
            assertThrows(IllegalArgumentException.class, () -> guest.grantReserved(2, domid, a.data(0), false),
                    "a reserved grant to domain " + Integer.toHexString(domid));
        }
        for (long gfn : new long[] {-1, a.mem.frames()}) {
            assertThrows(IllegalArgumentException.class, () -> guest.grantAccess(b.domid(), gfn, true),
                    "a grant of frame " + gfn + " (the domain has " + a.mem.frames() + ")");
            assertThrows(IllegalArgumentException.class, () -> guest.sharePage(b.domid(), gfn, true),
                    "a shared page at frame " + gfn + " (the domain has " + a.mem.frames() + ")");
            assertThrows(IllegalArgumentException.class, () -> guest.grantReserved(2, b.domid(), gfn, true),
                    "a reserved grant of frame " + gfn);
        }
        assertEquals(free, guest.freeRefs(), "free references after refused grants");
        assertArrayEquals(table, frameBytes(a, a.tableFrames[0]), "the table after refused grants");
        // the bounds: every unused reserved reference (0 .. 7), and the guest's own first and last frames
        for (int ref = 0; ref < FIRST_REF; ref++) {
            long e = a.entryGpa(ref);
            if (a.mem.getLongVolatile(e) == 0) {
                guest.grantReserved(ref, b.domid(), a.data(0), true); // what it writes is FE-11's
                a.mem.setLongVolatile(e, 0); // the kit, as A's toolstack, takes it back
            }
        }
        for (long gfn : new long[] {0, a.mem.frames() - 1}) {
            int ref = guest.grantAccess(b.domid(), gfn, true);
            assertTrue(ref >= FIRST_REF, "a grant of frame " + gfn + " of " + a.mem.frames() + " got " + ref);
            assertEquals(EndOfAccess.REVOKED, guest.endAccess(ref), "end of access of the grant of frame " + gfn);
        }
    }

    // ------------------------------------------------------------------------------------------ FE-16

    /**
     * Rule {@linkplain GrantRules FE-16}: query of a writable grant to B while B maps it read-only, then also writable,
     * then after each unmap and after the end of access; of a read-only reserved grant to C; of a reference never
     * handed out, then written raw by the kit: each answer is the entry as the kit reads it from A's memory (whose
     * GTF_reading shows the mappings: what the hypervisor sets beyond that is the GNT rules').
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the query reads the shared entry (flags and domid in one 32-bit read, then the frame), not a private copy
     *       of what the guest wrote: GTF_reading and GTF_writing are the hypervisor's;</li>
     *   <li>flags are the low 16 bits, domid the high 16 bits of the first word.</li>
     * </ul>
     */
    @Test
    public void required_FE_16_queryReportsTheEntry() {
        GrantingGuest guest = grantingGuest(a.mem, a.tableFrames.clone());
        int ref = guest.grantAccess(b.domid(), a.data(0), false);
        int kind = GrantFlags.TYPE_MASK | GrantFlags.READONLY;
        int mapped = kind | GrantFlags.READING;
        assertQuery(guest, ref, kind, GrantFlags.PERMIT_ACCESS, "a writable grant");
        GrantDomain.Mapped r = b.map(a.domid(), ref, HOST | RO, 0x1000);
        assertEquals(OKAY, r.status());
        assertQuery(guest, ref, mapped, GrantFlags.PERMIT_ACCESS | GrantFlags.READING, "a grant B maps read-only");
        GrantDomain.Mapped w = b.map(a.domid(), ref, HOST, 0x2000);
        assertEquals(OKAY, w.status());
        assertQuery(guest, ref, mapped, GrantFlags.PERMIT_ACCESS | GrantFlags.READING, "a grant B maps read-only and "
                + "writable");
        assertEquals(OKAY, b.unmap(w.handle(), 0x2000, 0));
        assertQuery(guest, ref, mapped, GrantFlags.PERMIT_ACCESS | GrantFlags.READING, "a grant B maps read-only again");
        assertEquals(OKAY, b.unmap(r.handle(), 0x1000, 0));
        assertQuery(guest, ref, kind, GrantFlags.PERMIT_ACCESS, "a grant B unmapped");
        assertEquals(EndOfAccess.REVOKED, guest.endAccess(ref));
        assertQuery(guest, ref, kind, 0, "an ended grant");
        int reserved = unusedReservedRef();
        guest.grantReserved(reserved, c.domid(), a.data(2), true);
        assertQuery(guest, reserved, kind, GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY, "a read-only reserved grant to C");
        int raw = ref == 300 ? 301 : 300;
        assertQuery(guest, raw, kind, 0, "a reference never handed out");
        a.grant(raw, c.domid(), a.data(3), true);
        assertQuery(guest, raw, kind, GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY, "an entry the kit wrote raw");
    }

    // ----------------------------------------------------------------------------------------- helpers

    private GrantingGuest grantingGuest(MemoryAccess memory, long[] frames) {
        GrantingGuest guest = createGrantingGuest(a.dom, memory, frames);
        Assumptions.assumeTrue(guest != null, "no guest-side granting code supplied");
        return guest;
    }

    /** A reserved reference (0 .. 7) whose entry is unused: the hypervisor's toolstack may have written 0 and 1. */
    private int unusedReservedRef() {
        for (int ref = FIRST_REF - 1; ref >= 0; ref--) {
            if (a.mem.getLongVolatile(a.entryGpa(ref)) == 0) {
                return ref;
            }
        }
        throw new AssertionError("every reserved entry 0..7 of a fresh domain is in use");
    }

    /** Query equals the entry in A's memory, whose flags under {@code mask} are {@code flags} (the kit's premise). */
    private void assertQuery(GrantingGuest guest, int ref, int mask, int flags, String what) {
        long e = a.mem.getLongVolatile(a.entryGpa(ref));
        Entry inMemory = new Entry((int) (e & 0xFFFF), (int) ((e >>> 16) & 0xFFFF), e >>> 32);
        assertEquals(flags, inMemory.flags() & mask, "the flags of " + what + " (reference " + ref + ") in A's memory");
        assertEquals(inMemory, guest.query(ref), "query of " + what + " (reference " + ref + ")");
    }

    private void assertEntry(long entry, int domid, long gfn, int flags, String what) {
        int word = a.mem.getIntVolatile(entry);
        assertEquals(flags, word & 0xFFFF, "the flags of " + what);
        assertEquals(domid, word >>> 16, "the domid of " + what);
        assertEquals(gfn, Integer.toUnsignedLong(a.mem.getInt(entry + GrantEntryV1Layout.FRAME_OFFSET)),
                "the frame of " + what);
    }

    /** Grows A's table to two frames when the hypervisor allows it; returns its frames. */
    private long[] tableOfUpToTwoFrames() {
        int max = a.querySize(DomId.SELF)[2];
        if (max < 2) {
            return a.tableFrames.clone();
        }
        long list = a.scratch + 2048;
        assertEquals(OKAY, a.setupTable(DomId.SELF, 2, list), "setup_table(DOMID_SELF, 2)");
        long[] frames = {a.mem.getLong(list), a.mem.getLong(list + 8)};
        assertEquals(a.tableFrames[0], frames[0], "the first table frame after the table grew");
        boolean clash = frames[1] == a.scratch / GuestMemory.PAGE_SIZE;
        for (int i = 0; i < 7; i++) {
            clash |= frames[1] == a.data(i);
        }
        // the kit's own arguments and pages would overwrite a second frame it also uses as scratch or data
        return clash ? a.tableFrames.clone() : frames;
    }

    private static long entryGpa(long[] frames, int ref) {
        return GuestMemory.gpaOf(frames[ref / GrantEntryV1Layout.ENTRIES_PER_FRAME])
                + (long) (ref % GrantEntryV1Layout.ENTRIES_PER_FRAME) * GrantEntryV1Layout.SIZE;
    }

    private byte[][] tableBytes(long[] frames) {
        byte[][] bytes = new byte[frames.length][];
        for (int i = 0; i < frames.length; i++) {
            bytes[i] = frameBytes(a, frames[i]);
        }
        return bytes;
    }

    private void assertTableEquals(byte[][] expected, long[] frames, String after) {
        for (int i = 0; i < frames.length; i++) {
            if (!java.util.Arrays.equals(expected[i], frameBytes(a, frames[i]))) {
                fail("table frame " + i + " changed after " + after);
            }
        }
    }
}
