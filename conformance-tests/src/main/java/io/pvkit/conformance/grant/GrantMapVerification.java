package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The second part of {@link GrantTableVerification} (extend that class, not this one): map and unmap and the
 * grant entry they act on (GNT-01 .. GNT-07, GNT-11, GNT-20, GNT-21, GNT-23): reference range, grantee, read-only
 * grants, the busy bits, revocation, the pinned entry's snapshot, hostile entries, and the arguments of map and unmap.
 */
public abstract class GrantMapVerification extends GrantTableSetupVerification {

    /** For subclasses. */
    protected GrantMapVerification() {
    }

    // ------------------------------------------------------------------------------------------ GNT-01

    /**
     * Rule {@linkplain GrantRules GNT-01}: references at or beyond the table size are
     * {@code GNTST_bad_gntref} for map, copy and swap_grant_ref; references 0 (unless the toolstack granted it: its
     * entry has flags A did not write) and the last one below the table size map (read-only, GTF_reading while mapped)
     * and unmap.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the range check uses the <em>current</em> table size and unsigned arithmetic on {@code ref};</li>
     *   <li>the check comes before any read of the entry (XSA-18);</li>
     *   <li>the status is written for every element even when the ref is absurd;</li>
     *   <li>reference 0 is an entry of the table: the lower bound of the check refuses negative references only (none
     *       on an unsigned value), not 0.</li>
     * </ul>
     */
    @Test
    public void required_GNT_01_outOfRangeRefsAreBadGntref() {
        int limit = refLimit();
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        byte[] tableBefore = frameBytes(a, a.tableFrames[0]);
        for (long ref : new long[] {limit, limit + 1L, 0x8000_0000L, 0xFFFF_FFFFL}) {
            assertEquals(BAD_GNTREF, b.map(a.domid(), ref, HOST, 0x1000).status(), "map of ref " + ref);
            assertEquals(BAD_GNTREF, b.copy(new GrantDomain.Copy(ref, a.domid(), 0, b.data(0), DomId.SELF, 0, 8,
                    GntCopy.SOURCE_GREF))[0], "copy from ref " + ref);
            long swap = a.swap(ref, FIRST_REF);
            if (swap != XenErrno.ENOSYS.negated()) {
                assertEquals(BAD_GNTREF, swap, "swap_grant_ref(" + ref + ", 8)");
            }
        }
        assertArrayEquals(tableBefore, frameBytes(a, a.tableFrames[0]), "the granter's table is untouched");
        // the references at both ends of the table are references of it: 0 and the last one below the table size; in a
        // guest the toolstack may have granted reference 0 itself (the console page, GNTTAB_RESERVED_CONSOLE, mapped by
        // domain 0): an entry 0 that A did not write is left alone
        boolean zeroUnused = (a.mem.getIntVolatile(a.entryGpa(0)) & 0xFFFF) == 0;
        for (long ref : zeroUnused ? new long[] {0, limit - 1L} : new long[] {limit - 1L}) {
            int r = (int) ref;
            a.grant(r, b.domid(), a.data(1), true);
            GrantDomain.Mapped m = b.map(a.domid(), ref, HOST | RO, 0x2000);
            assertEquals(OKAY, m.status(), "map of ref " + ref + ", inside the table of " + limit + " references");
            assertEquals(GrantFlags.READING, a.busy(r), "the busy bits of ref " + ref + " while mapped");
            assertEquals(OKAY, b.unmap(m.handle(), 0x2000, 0), "unmap of ref " + ref);
            assertTrue(a.revoke(r), "the granter revokes ref " + ref + " after the unmap");
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-02

    /**
     * Rule {@linkplain GrantRules GNT-02}: only the grantee can map, naming the right granter.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the entry's domid is compared with the <em>mapping</em> domain, inside the same CAS that sets the
     *       busy bits;</li>
     *   <li>an entry pinned by the grantee, by any kind of mapping (host or device, read-only or writable), is
     *       refused to every other domain (the pin count that says "pinned" adds every kind);</li>
     *   <li>the granting domain is looked up by id and an unknown id is {@code GNTST_bad_domain};</li>
     *   <li>statuses are negative GNTST codes, never 1 (XSA-316).</li>
     * </ul>
     */
    @Test
    public void required_GNT_02_onlyTheGranteeCanMap() {
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        assertNegative(c.map(a.domid(), FIRST_REF, HOST, 0x1000).status(), "map by a domain that is not the grantee");
        assertNegative(b.map(c.domid(), FIRST_REF, HOST, 0x1000).status(), "map naming the wrong granter");
        assertNegative(b.map(0x7FEF, FIRST_REF, HOST, 0x1000).status(), "map naming an unknown granter");
        assertEquals(0, a.busy(FIRST_REF), "failed maps leave no busy bits");
        GrantDomain.Mapped ok = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
        assertEquals(OKAY, ok.status(), "the grantee can map");
        assertNegative(c.map(a.domid(), FIRST_REF, HOST | RO, 0x1000).status(), "map by another domain while pinned");
        assertEquals(OKAY, b.unmap(ok.handle(), 0x1000, 0));
        // pinned by a device mapping of the grantee only (when the implementation maps for devices)
        for (int flags : new int[] {GntMap.DEVICE_MAP | RO, GntMap.DEVICE_MAP}) {
            GrantDomain.Mapped dev = b.map(a.domid(), FIRST_REF, flags, 0);
            if (dev.status() != OKAY) {
                continue; // no device mappings here (GNT-04 says so)
            }
            String kind = (flags & RO) != 0 ? "read-only" : "writable";
            assertNegative(c.map(a.domid(), FIRST_REF, HOST | RO, 0x1000).status(), "map by another domain while the "
                    + "grantee's " + kind + " device mapping pins the entry");
            assertNegative(c.map(a.domid(), FIRST_REF, GntMap.DEVICE_MAP | RO, 0).status(), "device map by another domain "
                    + "while the grantee's " + kind + " device mapping pins the entry");
            assertEquals(OKAY, b.unmap(dev.handle(), 0, dev.devBusAddr()), "unmap of the " + kind + " device mapping");
        }
        assertEquals(0, a.busy(FIRST_REF), "no busy bits after the grantee's last unmap");
    }

    // ------------------------------------------------------------------------------------------ GNT-03

    /**
     * Rule {@linkplain GrantRules GNT-03}: a read-only grant is never written.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>GTF_readonly is checked on the value the map CAS replaces, for first pins and for upgrades;</li>
     *   <li>copy acquires its destination as a writable use;</li>
     *   <li>a failed acquisition does not leave GTF_reading set.</li>
     * </ul>
     */
    @Test
    public void required_GNT_03_readOnlyGrantIsNeverWritten() {
        a.fillFrame(a.data(0), (byte) 0x3C);
        a.grant(FIRST_REF, b.domid(), a.data(0), true);
        assertNegative(b.map(a.domid(), FIRST_REF, HOST, 0x1000).status(), "writable map of a read-only grant");
        assertEquals(0, a.busy(FIRST_REF), "no busy bits after the refused map");
        b.fillFrame(b.data(0), (byte) 0x11);
        assertNegative(b.copy(new GrantDomain.Copy(b.data(0), DomId.SELF, 0, FIRST_REF, a.domid(), 0, 64,
                GntCopy.DEST_GREF))[0], "copy into a read-only grant");
        assertEquals(0x3C, a.byteAt(a.data(0), 0), "the granted frame is unchanged");
        assertEquals(0, a.busy(FIRST_REF), "no busy bits after the refused copy");
        GrantDomain.Mapped ro = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        assertEquals(OKAY, ro.status(), "read-only map of a read-only grant");
        assertEquals(GrantFlags.READING, a.busy(FIRST_REF), "a read-only map sets GTF_reading only");
        assertNegative(b.map(a.domid(), FIRST_REF, HOST, 0x2000).status(), "upgrade to writable while pinned");
    }

    // ------------------------------------------------------------------------------------------ GNT-04

    /**
     * Rule {@linkplain GrantRules GNT-04}: GTF_writing follows the writable mappings exactly. Besides single
     * mappings, several mappings of one entry of mixed kinds (host and device, read-only and writable, a read-only one
     * first and a writable one after it) are made and unmapped in several orders, and the busy bits are checked after
     * every step.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>read-only and writable pins are counted separately, per kind (host, device), and the "pins" and
     *       "writers" sums add every counter;</li>
     *   <li>a writable map of an entry already pinned only read-only sets GTF_writing (the compare-and-swap is
     *       done again for the upgrade);</li>
     *   <li>unmapping a read-only mapping never clears GTF_writing;</li>
     *   <li>the host and the device part of one handle are unmapped independently (XSA-224).</li>
     * </ul>
     */
    @Test
    public void required_GNT_04_writingFollowsWritableMappings() {
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        GrantDomain.Mapped rw = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
        GrantDomain.Mapped ro = b.map(a.domid(), FIRST_REF, HOST | RO, 0x2000);
        assertEquals(OKAY, rw.status());
        assertEquals(OKAY, ro.status());
        assertEquals(OKAY, b.unmap(ro.handle(), 0x2000, 0));
        assertEquals(BUSY, a.busy(FIRST_REF), "GTF_writing and GTF_reading stay after a read-only unmap");
        assertEquals(OKAY, b.unmap(rw.handle(), 0x1000, 0));
        assertEquals(0, a.busy(FIRST_REF), "both clear after the last mapping");
        PinAccounting pins = new PinAccounting(a, b);
        // read-only first, then writable (GTF_writing set by the upgrade), two writers, unmapped in two orders
        pins.mapAndUnmapInOrders(FIRST_REF + 1, new int[] {HOST | RO, HOST, HOST, HOST | RO},
                new int[] {1, 0, 2, 3}, new int[] {3, 2, 0, 1});

        GrantDomain.Mapped both = b.map(a.domid(), FIRST_REF, HOST | GntMap.DEVICE_MAP, 0x3000);
        Assumptions.assumeTrue(both.status() == OKAY, "host+device maps not supported (status " + both.status() + ")");
        assertEquals(OKAY, b.unmap(both.handle(), 0x3000, 0), "unmap of the host part");
        assertEquals(BUSY, a.busy(FIRST_REF), "the device part still writes");
        assertEquals(OKAY, b.unmap(both.handle(), 0, both.devBusAddr()), "unmap of the device part");
        assertEquals(0, a.busy(FIRST_REF), "clear after both parts");
        // every kind of pin on one entry: device read-only first, then writable host and device uses, unmapped in
        // three orders
        int dev = GntMap.DEVICE_MAP;
        pins.mapAndUnmapInOrders(FIRST_REF + 2, new int[] {dev | RO, HOST, dev, HOST | RO, dev, HOST | dev | RO},
                new int[] {0, 1, 2, 3, 4, 5}, new int[] {5, 4, 3, 2, 1, 0}, new int[] {1, 4, 0, 2, 5, 3},
                new int[] {2, 1, 5, 4, 3, 0});
        pins.mapAndUnmapInOrders(FIRST_REF + 3, new int[] {dev | RO, dev}, new int[] {1, 0});
    }

    // ------------------------------------------------------------------------------------------ GNT-05

    /**
     * Rule {@linkplain GrantRules GNT-05}: GTF_reading stays while any mapping exists.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the pin count and the flag update are one atomic step under the entry's lock (XSA-218);</li>
     *   <li>GTF_reading is cleared only when the total pin count reaches zero.</li>
     * </ul>
     */
    @Test
    public void required_GNT_05_readingStaysWhileAnyMappingExists() {
        a.grant(FIRST_REF, b.domid(), a.data(0), true);
        GrantDomain.Mapped m1 = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        GrantDomain.Mapped m2 = b.map(a.domid(), FIRST_REF, HOST | RO, 0x2000);
        assertEquals(OKAY, m1.status());
        assertEquals(OKAY, m2.status());
        assertEquals(OKAY, b.unmap(m1.handle(), 0x1000, 0));
        assertEquals(GrantFlags.READING, a.busy(FIRST_REF), "GTF_reading while the second mapping exists");
        assertFalse(a.revoke(FIRST_REF), "revoke must fail while mapped");
        assertEquals(OKAY, b.unmap(m2.handle(), 0x2000, 0));
        assertEquals(0, a.busy(FIRST_REF));
        assertTrue(a.revoke(FIRST_REF), "revoke succeeds after the last unmap");
    }

    // ------------------------------------------------------------------------------------------ GNT-06

    /**
     * Rule {@linkplain GrantRules GNT-06}: the hypervisor acts on its snapshot while the entry is pinned.
     * While B holds a read-only mapping, the granter rewrites the shared entry with plain stores, one way after
     * the other: another frame (in range and out of range), revoked with domid C, re-granted to C, the busy
     * bit it does not own cleared (a peer-written value that regresses), a transitive type. After each
     * rewrite B's copies and read-only maps of the entry act on the frame pinned at map time, and C, named in
     * the rewritten entry, stays out. Then, on a writable grant B maps read-only: B's writable map is refused after
     * the granter set GTF_readonly, and succeeds (adding only GTF_writing) after the granter re-granted the entry
     * to C. Deterministic: every rewrite happens before the operations it affects.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the frame is read once, at the first pin, and kept in the active entry;</li>
     *   <li>a second map or a copy of a pinned entry uses the kept frame, not the shared entry;</li>
     *   <li>a read-only use of a pinned entry does not re-validate the shared flags or domid, does not write the
     *       shared entry (no compare-and-swap that only sets bits again), and "pinned" is the hypervisor's own pin
     *       count, never the GTF_reading bit the granter can clear;</li>
     *   <li>the first writable use of a pinned entry checks GTF_readonly on the word its compare-and-swap replaces,
     *       and not the type or domid, which were checked at the first pin.</li>
     * </ul>
     */
    @Test
    public void required_GNT_06_pinnedEntryIsActedOnFromSnapshot() {
        a.fillFrame(a.data(0), (byte) 0x0A);
        a.fillFrame(a.data(1), (byte) 0x0B);
        a.grant(FIRST_REF, b.domid(), a.data(0), true);
        GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        assertEquals(OKAY, m.status());
        long entry = a.entryGpa(FIRST_REF);
        int pinnedWord = (b.domid() << 16) | GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY | GrantFlags.READING;
        int[][] rewrites = { // {flags+domid word, frame}
            {(b.domid() << 16) | GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY | GrantFlags.READING, (int) a.data(1)},
            {pinnedWord, -1},                                                           // a frame outside memory
            {c.domid() << 16, (int) a.data(1)},                                         // revoked, domid C
            {(c.domid() << 16) | GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY, (int) a.data(1)}, // re-granted to C
            {(b.domid() << 16) | GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY, (int) a.data(0)}, // GTF_reading cleared
            {(b.domid() << 16) | GrantFlags.TRANSITIVE, (int) a.data(1)},                 // another type
        };
        for (int[] w : rewrites) {
            String what = String.format("with the pinned entry rewritten to flags+domid 0x%08x, frame 0x%x", w[0], w[1]);
            a.mem.setIntVolatile(entry + GrantEntryV1Layout.FRAME_OFFSET, w[1]);
            a.mem.setIntVolatile(entry + GrantEntryV1Layout.FLAGS_OFFSET, w[0]);
            b.fillFrame(b.data(1), (byte) 0);
            short cst = b.copy(new GrantDomain.Copy(FIRST_REF, a.domid(), 0, b.data(1), DomId.SELF, 0, 64,
                    GntCopy.SOURCE_GREF))[0];
            assertEquals(OKAY, cst, "copy by the grantee " + what);
            for (int k = 0; k < 64; k += 8) {
                assertEquals(0x0A, b.byteAt(b.data(1), k), "the copy " + what + " used a frame the granter wrote later");
            }
            GrantDomain.Mapped more = b.map(a.domid(), FIRST_REF, HOST | RO, 0x2000);
            assertEquals(OKAY, more.status(), "read-only map by the grantee " + what);
            assertEquals(OKAY, b.unmap(more.handle(), 0x2000, 0));
            assertNegative(c.map(a.domid(), FIRST_REF, HOST | RO, 0x3000).status(),
                    "map by C, named in the rewritten entry, while B's pin holds (" + what + ")");
            assertEquals(w[0], a.mem.getIntVolatile(entry + GrantEntryV1Layout.FLAGS_OFFSET), "the flags+domid word "
                    + "after B's copy and read-only map of the pinned entry " + what + ": a use of a pinned entry "
                    + "leaves the shared entry as the granter wrote it");
            assertEquals(w[1], a.mem.getIntVolatile(entry + GrantEntryV1Layout.FRAME_OFFSET), "the frame after B's "
                    + "copy and read-only map of the pinned entry " + what);
        }
        a.mem.setIntVolatile(entry + GrantEntryV1Layout.FRAME_OFFSET, (int) a.data(0));
        a.mem.setIntVolatile(entry + GrantEntryV1Layout.FLAGS_OFFSET, pinnedWord);
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertEquals(0, a.busy(FIRST_REF), "GTF_reading cleared at the last unmap");
        writableUseOfAPinnedEntryChecksOnlyReadOnly();
    }

    /**
     * GNT-06, the first writable use of a pinned entry: its compare-and-swap sets GTF_writing and checks only
     * GTF_readonly on the word it replaces, not the type or the domid (Xen's {@code _set_status_v1}: "If not already
     * pinned, check the grant domid and type"), so it succeeds on an entry the granter re-granted to C meanwhile and
     * is refused on one the granter made read-only.
     */
    private void writableUseOfAPinnedEntryChecksOnlyReadOnly() {
        int ref = FIRST_REF + 1;
        a.grant(ref, b.domid(), a.data(2), false);
        GrantDomain.Mapped ro = b.map(a.domid(), ref, HOST | RO, 0x1000);
        assertEquals(OKAY, ro.status(), "read-only map of a writable grant");
        long word = a.entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
        int toC = (c.domid() << 16) | GrantFlags.PERMIT_ACCESS | GrantFlags.READING;
        a.mem.setIntVolatile(word, (b.domid() << 16) | GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY
                | GrantFlags.READING);
        assertNegative(b.map(a.domid(), ref, HOST, 0x2000).status(), "writable map by the grantee of its pinned "
                + "entry after the granter made it read-only (GTF_readonly is checked on the swapped word)");
        assertEquals(GrantFlags.READING, a.busy(ref), "the refused writable map of the pinned entry set GTF_writing");
        a.mem.setIntVolatile(word, toC);
        GrantDomain.Mapped rw = b.map(a.domid(), ref, HOST, 0x2000);
        assertEquals(OKAY, rw.status(), "writable map by the grantee of its pinned entry after the granter re-granted "
                + "it to C (a pinned entry's type and domid are not checked again: Xen's _set_status_v1)");
        assertEquals(toC | GrantFlags.WRITING, a.mem.getIntVolatile(word), "the word after the writable use of the "
                + "pinned entry: GTF_writing added to what the granter wrote, nothing else changed");
        assertEquals(OKAY, b.unmap(rw.handle(), 0x2000, 0));
        assertEquals(OKAY, b.unmap(ro.handle(), 0x1000, 0));
        assertEquals(0, a.busy(ref), "busy bits after both unmaps");
    }

    // ------------------------------------------------------------------------------------------ GNT-20

    /** GNT-20 and GNT-21 (the granter changes an entry under the implementation) live in {@link HostileEntries}. */
    private HostileEntries hostileEntries() {
        return new HostileEntries(hypervisor, a, b, c);
    }

    /**
     * Rule {@linkplain GrantRules GNT-20}: an entry that is not in use is read once per map or copy, and checked
     * on the value the compare-and-swap replaces. Through a {@code HostileMemory} view of the granter's table,
     * the granter changes the entry right after the implementation's first read of a field, on purpose: it
     * re-grants the entry to C, makes it read-only, or points it at another frame. The map must be refused,
     * or act on the frame it read once; and the flags+domid word is accessed at most twice per uncontended map
     * (a load and a compare-and-swap), the frame once per first pin.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>type, domid and GTF_readonly are checked on the value the CAS replaces (its witness on failure),
     *       never on an earlier load followed by a CAS on a fresh one (a time-of-check to time-of-use gap);</li>
     *   <li>the frame is read exactly once, after the CAS, and that value is both validated and used;</li>
     *   <li>every access to the entries goes through {@code DomainConfig.sharedView(memory)}.</li>
     * </ul>
     */
    @Test
    public void optional_GNT_20_entryIsReadOnceAndCheckedOnTheValueTheSwapReplaces() {
        hostileEntries().entryIsReadOnceAndCheckedOnTheSwappedValue();
    }

    /**
     * Rule {@linkplain GrantRules GNT-20}: a granter that changes the entry after every access the implementation
     * makes to it (a harmless flag, GTF_PCD, toggled each time) is given up on after a bounded number of failed
     * compare-and-swaps, with a negative status and no busy bit, for a map and for a copy: the granter cannot
     * keep a hypervisor thread looping.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the set-status loop counts its attempts and fails after a few (Xen: 5, "unstable entry");</li>
     *   <li>a failed attempt leaves the word as the granter wrote it (no busy bit set by a half-done loop).</li>
     * </ul>
     */
    @Test
    public void optional_GNT_20_unstableEntryIsGivenUpAfterBoundedAttempts() {
        hostileEntries().unstableEntryIsGivenUp();
    }

    // ------------------------------------------------------------------------------------------ GNT-21

    /**
     * Rule {@linkplain GrantRules GNT-21}: the frame is read only after the entry was seen valid. The granter
     * publishes an entry frame first and flags last; here the entry is not granted yet (flags 0, a stale frame
     * from an earlier grant), and the granter publishes it (new frame, then flags) right after the
     * implementation's first read of the frame. An implementation that reads the frame before the flags would
     * pin the now valid entry with the stale frame it read before the entry was published; the map or copy must
     * fail (the entry was not granted when read) or use the published frame.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the frame is read after the compare-and-swap that set GTF_reading succeeded (an acquire), never
     *       before or together with the flags;</li>
     *   <li>nothing is cached from an entry that was not valid when it was read.</li>
     * </ul>
     */
    @Test
    public void optional_GNT_21_frameIsReadOnlyAfterTheEntryIsSeenValid() {
        hostileEntries().frameIsReadOnlyAfterTheEntryIsSeenValid();
    }

    // ------------------------------------------------------------------------------------------ GNT-07

    /**
     * Rule {@linkplain GrantRules GNT-07}: revoke fails while mapped and works after unmap.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>map sets GTF_reading (and GTF_writing) with a CAS on the 32-bit flags+domid word;</li>
     *   <li>unmap clears them only after the mapping is gone;</li>
     *   <li>a map of an entry whose flags are 0 fails.</li>
     * </ul>
     */
    @Test
    public void required_GNT_07_revokeFailsWhileMapped() {
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
        assertEquals(OKAY, m.status());
        assertFalse(a.revoke(FIRST_REF), "revoke while mapped");
        assertEquals(GrantFlags.PERMIT_ACCESS, a.flags(FIRST_REF) & GrantFlags.TYPE_MASK, "the grant is still valid");
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertTrue(a.revoke(FIRST_REF), "revoke after unmap");
        assertNegative(b.map(a.domid(), FIRST_REF, HOST, 0x1000).status(), "map of a revoked entry");
        assertEquals(0, a.busy(FIRST_REF));
    }

    // ------------------------------------------------------------------------------------------ GNT-11

    /**
     * Rule {@linkplain GrantRules GNT-11}: transitive and sub-page entries of a v1 table are refused promptly.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the type check is {@code (flags & (GTF_type_mask | GTF_sub_page)) == GTF_permit_access} for maps;</li>
     *   <li>transitive entries are only legal in v2 tables and never followed recursively (XSA-226).</li>
     * </ul>
     */
    @Test
    public void required_GNT_11_transitiveAndSubPageEntriesAreRefused() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            // a transitive entry that names its own table and ref: a loop if it were followed
            a.grant(FIRST_REF, b.domid(), FIRST_REF, GrantFlags.TRANSITIVE);
            assertNegative(b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000).status(), "map of a transitive entry");
            assertNegative(b.copy(new GrantDomain.Copy(FIRST_REF, a.domid(), 0, b.data(0), DomId.SELF, 0, 8,
                    GntCopy.SOURCE_GREF))[0], "copy from a transitive entry");
            a.grant(FIRST_REF + 1, b.domid(), a.data(0), GrantFlags.PERMIT_ACCESS | GrantFlags.SUB_PAGE);
            assertNegative(b.map(a.domid(), FIRST_REF + 1, HOST | RO, 0x1000).status(), "map of a sub-page entry");
            assertEquals(0, a.busy(FIRST_REF));
            assertEquals(0, a.busy(FIRST_REF + 1));
        });
    }

    // ------------------------------------------------------------------------------------------ GNT-23

    /**
     * Rule {@linkplain GrantRules GNT-23}: a map whose flags name neither {@code GNTMAP_host_map} nor
     * {@code GNTMAP_device_map} is {@code GNTST_bad_gntref}; a map naming a granter that does not exist, or
     * {@code DOMID_SELF}, is {@code GNTST_bad_domain}; an unmap whose {@code host_addr} is not the mapping's, or
     * whose {@code dev_bus_addr} is not the mapped frame's, fails and leaves the mapping; an unmap naming neither
     * part ({@code host_addr} and {@code dev_bus_addr} 0) is okay and unmaps nothing.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>map checks {@code flags & (GNTMAP_host_map | GNTMAP_device_map)} first, and looks the granter up by id
     *       only ({@code rcu_lock_domain_by_id}, which does not know {@code DOMID_SELF}), and an id just past the
     *       domains the hypervisor knows (where a table of domains may end) is not looked up beyond that table;</li>
     *   <li>unmap compares {@code dev_bus_addr} with the mapped frame and {@code host_addr} with the mapping's
     *       address before it releases anything, and releases only the parts the arguments name.</li>
     * </ul>
     */
    @Test
    public void required_GNT_23_mapAndUnmapArgumentsAreCheckedAsXenDoes() {
        operationStatuses().mapAndUnmapArgumentsAreCheckedAsXenDoes();
    }
}
