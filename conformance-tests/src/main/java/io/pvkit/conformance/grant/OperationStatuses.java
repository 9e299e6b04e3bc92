package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabGetVersionLayout;
import io.pvkit.abi.grant.GnttabQuerySizeLayout;
import io.pvkit.abi.grant.GnttabSetVersionLayout;
import io.pvkit.abi.grant.GnttabSetupTableLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.spi.Capability;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;

import java.util.List;

import static io.pvkit.conformance.grant.GrantTableSetupVerification.assertNegative;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checks of GNT-23 .. GNT-27 (the statuses and effects of map and unmap arguments, tables of more than one
 * frame, long and single-element batches, the table operations that name another domain, copy sides and bad
 * frames), split out of
 * {@link GrantTableVerification}, which keeps the public test methods and their Javadoc. One instance serves one
 * test method, with that method's hypervisor and domains.
 */
final class OperationStatuses {
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int HOST = GntMap.HOST_MAP;
    private static final int DEVICE = GntMap.DEVICE_MAP;
    private static final int RO = GntMap.READONLY;
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;
    private static final int FIRST_REF = 8;
    /** A domain id no test domain has. */
    private static final int NO_SUCH_DOMAIN = 0x7FEF;
    /** The elements of GNT-25's long batch: more than any per-call bound a hypervisor is likely to have. */
    static final int LONG_BATCH = 1500;
    /** A GNTTABOP number no Xen version defines. */
    static final int UNKNOWN_CMD = 99;

    private final HypervisorUnderTest hypervisor;
    private final List<DomainUnderTest> domains;
    private final GrantDomain a;
    private final GrantDomain b;
    private final long domainFrames;

    OperationStatuses(HypervisorUnderTest hypervisor, List<DomainUnderTest> domains, GrantDomain a, GrantDomain b,
                      long domainFrames) {
        this.hypervisor = hypervisor;
        this.domains = domains;
        this.a = a;
        this.b = b;
        this.domainFrames = domainFrames;
    }

    // ------------------------------------------------------------------------------------------ GNT-23

    /** GNT-23: a map's flags and granter, an unmap's host_addr and dev_bus_addr, as Xen checks them. */
    void mapAndUnmapArgumentsAreCheckedAsXenDoes() {
        a.grant(FIRST_REF, b.domid(), a.data(0), false);
        for (int flags : new int[] {0, RO}) {
            assertEquals(GrantStatus.BAD_GNTREF.code(), b.map(a.domid(), FIRST_REF, flags, 0x1000).status(),
                    "a map with flags 0x" + Integer.toHexString(flags) + " (neither GNTMAP_host_map nor "
                            + "GNTMAP_device_map) is GNTST_bad_gntref");
            assertEquals(0, a.busy(FIRST_REF), "the refused map with flags 0x" + Integer.toHexString(flags)
                    + " left busy bits");
        }
        // GNTMAP_contains_pte: host_addr names a page-table entry of the mapper for the hypervisor to write, and the
        // kit's domains have no page tables (host_addr 0x1000 is in a data frame): Xen refuses it for a PV mapper ("Grant
        // map attempted to update a non-L1 page") and for a translated one (create_grant_p2m_mapping's flags check)
        for (int flags : new int[] {HOST | GntMap.CONTAINS_PTE, HOST | GntMap.CONTAINS_PTE | RO}) {
            assertEquals(GrantStatus.GENERAL_ERROR.code(), b.map(a.domid(), FIRST_REF, flags, 0x1000).status(),
                    "a map with flags 0x" + Integer.toHexString(flags) + " (GNTMAP_contains_pte, host_addr in no "
                            + "page table) is GNTST_general_error");
            assertEquals(0, a.busy(FIRST_REF), "the refused map with flags 0x" + Integer.toHexString(flags)
                    + " left busy bits");
        }
        assertEquals(GrantStatus.BAD_DOMAIN.code(), b.map(NO_SUCH_DOMAIN, FIRST_REF, HOST, 0x1000).status(),
                "a map naming a granter that does not exist");
        assertEquals(GrantStatus.BAD_DOMAIN.code(), b.map(DomId.SELF, FIRST_REF, HOST, 0x1000).status(),
                "a map naming DOMID_SELF as the granter (Xen looks the granter up by id only)");
        // the ids right above the kit's domains, wherever a table of domains ends
        int highest = 0;
        for (DomainUnderTest d : domains) {
            highest = Math.max(highest, d.domid());
        }
        for (int id = highest + 1; id <= highest + 16 && id < DomId.FIRST_RESERVED; id++) {
            assertEquals(GrantStatus.BAD_DOMAIN.code(), b.map(id, FIRST_REF, HOST, 0x1000).status(),
                    "a map naming domain " + id + ", above every domain the kit created");
        }
        assertEquals(0, a.busy(FIRST_REF), "the refused maps left busy bits");

        GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF, HOST, 0x1000);
        assertEquals(OKAY, m.status(), "the grantee maps");
        assertNegative(b.unmap(m.handle(), 0x5000, 0), "an unmap whose host_addr is not the mapping's");
        assertEquals(BUSY, a.busy(FIRST_REF), "the refused unmap (wrong host_addr) released the mapping");
        assertEquals(OKAY, b.unmap(m.handle(), 0, 0), "an unmap naming neither part (host_addr and dev_bus_addr 0)");
        assertEquals(BUSY, a.busy(FIRST_REF), "an unmap naming neither part released the mapping");
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0), "the unmap with the mapping's host_addr");
        assertEquals(0, a.busy(FIRST_REF), "the mapping is gone");

        GrantDomain.Mapped d = b.map(a.domid(), FIRST_REF, DEVICE, 0);
        if (d.status() != OKAY) {
            return; // no device mappings (GNT-04 skips its device part for the same reason)
        }
        assertTrue(d.devBusAddr() != 0, "a device mapping reports its dev_bus_addr");
        assertNegative(b.unmap(d.handle(), 0, d.devBusAddr() + GuestMemory.PAGE_SIZE),
                "an unmap whose dev_bus_addr is not the mapped frame's");
        assertEquals(BUSY, a.busy(FIRST_REF), "the refused unmap (wrong dev_bus_addr) released the device mapping");
        assertEquals(OKAY, b.unmap(d.handle(), 0, d.devBusAddr()), "the unmap with the mapping's dev_bus_addr");
        assertEquals(0, a.busy(FIRST_REF), "the device mapping is gone");
        // a host_addr names the host part only: a mapping without one ignores it (Xen: host_addr && GNTMAP_host_map)
        GrantDomain.Mapped e = b.map(a.domid(), FIRST_REF, DEVICE, 0);
        assertEquals(OKAY, e.status(), "the device mapping again");
        assertEquals(OKAY, b.unmap(e.handle(), 0x7000, e.devBusAddr()), "an unmap of a device-only mapping with its "
                + "dev_bus_addr and a non-zero host_addr (the mapping has no host part, so the host_addr is ignored)");
        assertEquals(0, a.busy(FIRST_REF), "the device-only mapping unmapped with a host_addr is gone");
        assertEquals(GrantStatus.BAD_HANDLE.code(), b.unmap(e.handle(), 0, e.devBusAddr()),
                "the handle of the device-only mapping unmapped with a host_addr");
    }

    // ------------------------------------------------------------------------------------------ GNT-24

    /** GNT-24: after setup_table grew the table, the entries of its second frame are the ones acted on. */
    void entriesOfTheSecondTableFrameAreUsed() {
        int max = a.querySize(DomId.SELF)[2];
        if (max < 2) {
            return; // a one-frame table: nothing beyond the first frame to check
        }
        // an entry of the first frame pinned (mapped, and copied once) before the table grows: its pin survives it
        int early = FIRST_REF + 1;
        a.fillFrame(a.data(2), (byte) 0x0E);
        a.grant(early, b.domid(), a.data(2), true);
        GrantDomain.Mapped pinned = b.map(a.domid(), early, HOST | RO, 0x5000);
        assertEquals(OKAY, pinned.status(), "read-only map of ref " + early + " before setup_table(2)");
        assertEquals(OKAY, b.copy(new GrantDomain.Copy(early, a.domid(), 0, b.data(1), DomId.SELF, 0, 8,
                GntCopy.SOURCE_GREF))[0], "copy from ref " + early + " before setup_table(2)");
        long list = a.scratch + 2048;
        assertEquals(OKAY, a.setupTable(DomId.SELF, 2, list), "setup_table(DOMID_SELF, 2)");
        long second = a.mem.getLong(list + 8);
        assertEquals(2, a.querySize(DomId.SELF)[1], "query_size after setup_table(2)");
        int per = GrantEntryV1Layout.ENTRIES_PER_FRAME;
        // reference 512 exactly (slot 0 of the second frame), used first by a copy, then mapped
        long firstOfSecond = GuestMemory.gpaOf(second);
        a.fillFrame(a.data(3), (byte) 0x30);
        grantReadOnlyToB(firstOfSecond, a.data(3));
        b.fillFrame(b.data(0), (byte) 0);
        assertEquals(OKAY, b.copy(new GrantDomain.Copy(per, a.domid(), 0, b.data(0), DomId.SELF, 0, 64,
                GntCopy.SOURCE_GREF))[0], "copy from ref " + per + " (slot 0 of the second table frame), its first use");
        assertEquals(0x30, b.byteAt(b.data(0), 0), "the copy from ref " + per + " read the frame its entry grants");
        GrantDomain.Mapped at512 = b.map(a.domid(), per, HOST | RO, 0x6000);
        assertEquals(OKAY, at512.status(), "read-only map of ref " + per);
        assertEquals(GrantFlags.READING, a.mem.getIntVolatile(firstOfSecond) & BUSY, "GTF_reading is set in ref " + per
                + "'s entry (frame_list[1], slot 0)");
        assertEquals(OKAY, b.unmap(at512.handle(), 0x6000, 0), "unmap of ref " + per);
        assertEquals(0, a.mem.getIntVolatile(firstOfSecond) & BUSY, "GTF_reading cleared in ref " + per + "'s entry");
        int far = per + FIRST_REF;
        long farEntry = GuestMemory.gpaOf(second) + (long) FIRST_REF * GrantEntryV1Layout.SIZE;
        // the same slot of the first frame grants another frame to the same grantee: a mix-up shows
        a.fillFrame(a.data(0), (byte) 0x10);
        a.fillFrame(a.data(1), (byte) 0x20);
        a.grant(FIRST_REF, b.domid(), a.data(0), true);
        grantReadOnlyToB(farEntry, a.data(1));

        b.fillFrame(b.data(0), (byte) 0);
        assertEquals(OKAY, b.copy(new GrantDomain.Copy(far, a.domid(), 0, b.data(0), DomId.SELF, 0, 64,
                GntCopy.SOURCE_GREF))[0], "copy from ref " + far + " (second table frame)");
        assertEquals(0x20, b.byteAt(b.data(0), 0), "the copy from ref " + far
                + " read the frame its entry (frame_list[1], slot " + FIRST_REF + ") grants");
        GrantDomain.Mapped m = b.map(a.domid(), far, HOST | RO, 0x1000);
        assertEquals(OKAY, m.status(), "read-only map of ref " + far);
        assertEquals(GrantFlags.READING, a.mem.getIntVolatile(farEntry) & BUSY,
                "GTF_reading is set in ref " + far + "'s entry (frame_list[1], slot " + FIRST_REF + ")");
        assertEquals(0, a.busy(FIRST_REF), "ref " + FIRST_REF + " (first frame) is untouched by the map of ref " + far);
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));
        assertEquals(0, a.mem.getIntVolatile(farEntry) & BUSY, "GTF_reading cleared in ref " + far + "'s entry");
        assertEquals(GrantStatus.BAD_GNTREF.code(), b.map(a.domid(), 2L * per, HOST | RO, 0x2000).status(),
                "ref " + (2 * per) + ", the first beyond the two frames");
        GrantDomain.Mapped first = b.map(a.domid(), FIRST_REF, HOST | RO, 0x3000);
        assertEquals(OKAY, first.status(), "map of ref " + FIRST_REF + " (first frame)");
        assertEquals(0, a.mem.getIntVolatile(farEntry) & BUSY, "ref " + far + " is untouched by the map of ref "
                + FIRST_REF);
        assertEquals(OKAY, b.unmap(first.handle(), 0x3000, 0));
        assertEquals(GrantFlags.READING, a.busy(early), "ref " + early + ", mapped before the table grew, is still busy");
        assertEquals(OKAY, b.unmap(pinned.handle(), 0x5000, 0), "unmap of ref " + early + ", mapped before the table grew");
        assertEquals(0, a.busy(early), "GTF_reading of ref " + early + " cleared at the unmap after the table grew");
    }

    /** Writes A's grant entry at {@code entry} (of a frame A listed, not through a reference): B may read {@code frame}. */
    private void grantReadOnlyToB(long entry, long frame) {
        a.mem.setInt(entry + GrantEntryV1Layout.FRAME_OFFSET, (int) frame);
        a.mem.setIntRelease(entry + GrantEntryV1Layout.FLAGS_OFFSET,
                (b.domid() << 16) | GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY);
    }

    // ------------------------------------------------------------------------------------------ GNT-25

    /** GNT-25: a long batch is done element by element and exactly; single-element ops take exactly one. */
    void batchesAreDoneExactly() {
        a.grant(FIRST_REF, b.domid(), a.data(0), true);
        GrantDomain.Mapped first = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        GrantDomain.Mapped last = b.map(a.domid(), FIRST_REF, HOST | RO, 0x2000);
        assertEquals(OKAY, first.status());
        assertEquals(OKAY, last.status());
        long size = GnttabUnmapGrantRefLayout.SIZE;
        long bytes = LONG_BATCH * size;
        long base = contiguous(b, (bytes + 64 + GuestMemory.PAGE_SIZE - 1) / GuestMemory.PAGE_SIZE);
        for (int i = 0; i < LONG_BATCH; i++) {
            long e = base + i * size;
            // element 0 and the last unmap the two real mappings; the others name a handle never issued
            int handle = i == 0 ? first.handle() : i == LONG_BATCH - 1 ? last.handle() : 0x7654321;
            long host = i == 0 ? 0x1000 : i == LONG_BATCH - 1 ? 0x2000 : 0x3000;
            b.mem.setLong(e + GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET, host);
            b.mem.setLong(e + GnttabUnmapGrantRefLayout.DEV_BUS_ADDR_OFFSET, 0);
            b.mem.setInt(e + GnttabUnmapGrantRefLayout.HANDLE_OFFSET, handle);
            b.mem.setShort(e + GnttabUnmapGrantRefLayout.STATUS_OFFSET, (short) 0x7777);
        }
        b.mem.fill(base + bytes, 64, (byte) 0x5A); // what follows the batch: an element must not be read there
        assertEquals(0, b.op(GrantTableOp.UNMAP_GRANT_REF, base, LONG_BATCH),
                "grant_table_op(unmap) of " + LONG_BATCH + " elements returns 0 to the guest");
        for (int i = 0; i < LONG_BATCH; i++) {
            int want = i == 0 || i == LONG_BATCH - 1 ? OKAY : GrantStatus.BAD_HANDLE.code();
            assertEquals(want, b.mem.getShort(base + i * size + GnttabUnmapGrantRefLayout.STATUS_OFFSET),
                    "the status of element " + i + " of " + LONG_BATCH);
        }
        assertEquals(0, a.busy(FIRST_REF), "the first and the last element of the batch unmapped their mappings");
        for (int k = 0; k < 64; k++) {
            assertEquals((byte) 0x5A, b.mem.getByte(base + bytes + k), "byte " + k + " after the " + LONG_BATCH
                    + "-element batch was written");
        }

        assertEquals(XenErrno.ENOSYS.negated(), b.dom.hypercall(0, HypercallOp.GRANT_TABLE_OP.number(), UNKNOWN_CMD,
                b.scratch, 1, 0, 0), "grant_table_op with the unknown command " + UNKNOWN_CMD);

        // setup_table and query_size take exactly one element (Xen: count != 1 is -EINVAL)
        long einval = XenErrno.EINVAL.negated();
        long arg = b.scratch;
        for (long count : new long[] {0, 2}) {
            b.mem.setShort(arg + GnttabQuerySizeLayout.DOM_OFFSET, (short) DomId.SELF);
            b.mem.setShort(arg + GnttabQuerySizeLayout.STATUS_OFFSET, (short) 0x7777);
            assertEquals(einval, b.op(GrantTableOp.QUERY_SIZE, arg, count), "query_size with count " + count);
            assertEquals((short) 0x7777, b.mem.getShort(arg + GnttabQuerySizeLayout.STATUS_OFFSET),
                    "query_size with count " + count + " wrote a status");
            b.mem.setShort(arg + GnttabSetupTableLayout.DOM_OFFSET, (short) DomId.SELF);
            b.mem.setInt(arg + GnttabSetupTableLayout.NR_FRAMES_OFFSET, 1);
            b.mem.setLong(arg + GnttabSetupTableLayout.FRAME_LIST_OFFSET, arg + 2048);
            b.mem.setShort(arg + GnttabSetupTableLayout.STATUS_OFFSET, (short) 0x7777);
            assertEquals(einval, b.op(GrantTableOp.SETUP_TABLE, arg, count), "setup_table with count " + count);
            assertEquals((short) 0x7777, b.mem.getShort(arg + GnttabSetupTableLayout.STATUS_OFFSET),
                    "setup_table with count " + count + " wrote a status");
        }
    }

    /** @return the address of {@code frames} contiguous data frames of {@code d} (not data(0) .. data(3)) */
    private static long contiguous(GrantDomain d, long frames) {
        List<Long> data = d.dataFrames;
        for (int i = 4; i + frames <= data.size(); i++) {
            if (data.get((int) (i + frames - 1)) - data.get(i) == frames - 1) {
                return GuestMemory.gpaOf(data.get(i));
            }
        }
        throw new AssertionError("no " + frames + " contiguous data frames in a domain of " + d.mem.frames()
                + " frames (domainFrames() too small)");
    }

    // ------------------------------------------------------------------------------------------ GNT-27

    /** GNT-27: the statuses and effects of copy sides and of entries whose frame is not the granter's. */
    void copySidesAndBadFramesAreCheckedAsXenDoes(GrantDomain c) {
        a.fillFrame(a.data(0), (byte) 0x31);
        b.fillFrame(b.data(0), (byte) 0);
        a.grant(FIRST_REF, b.domid(), a.data(0), true);
        // a frame side names only the caller's own memory
        assertEquals(GrantStatus.PERMISSION_DENIED.code(), b.copy(new GrantDomain.Copy(a.data(0), a.domid(), 0,
                b.data(0), DomId.SELF, 0, 64, 0))[0], "a copy whose source is a frame of another domain");
        assertEquals(0, b.byteAt(b.data(0), 0), "the refused copy from another domain's frame wrote the destination");
        assertEquals(GrantStatus.PERMISSION_DENIED.code(), b.copy(new GrantDomain.Copy(FIRST_REF, a.domid(), 0,
                a.data(1), a.domid(), 0, 64, GntCopy.SOURCE_GREF))[0], "a copy whose destination is a frame of another domain");
        assertEquals(0, a.busy(FIRST_REF), "the refused copy (destination frame of another domain) left the source busy");
        for (long outside : new long[] {b.mem.frames(), b.mem.frames() + 3}) {
            assertEquals(GrantStatus.BAD_PAGE.code(), b.copy(new GrantDomain.Copy(outside, DomId.SELF, 0, b.data(0),
                    DomId.SELF, 0, 64, 0))[0], "a copy from frame " + outside + ", outside the caller's memory");
            assertEquals(GrantStatus.BAD_PAGE.code(), b.copy(new GrantDomain.Copy(FIRST_REF, a.domid(), 0, outside,
                    DomId.SELF, 0, 64, GntCopy.SOURCE_GREF))[0], "a copy into frame " + outside + ", outside the caller's "
                    + "memory");
            assertEquals(0, a.busy(FIRST_REF), "the refused copy (destination outside memory) left the source busy");
        }
        // frame 0 is a frame like any other: as a copy side of the caller, and as the frame a grant names (each copy
        // twice: an entry's first use and a later one may take different paths)
        b.mem.fill(0, 64, (byte) 0x5E);
        a.mem.fill(0, 64, (byte) 0x5F);
        a.grant(FIRST_REF + 3, b.domid(), 0, true);
        for (int round = 1; round <= 2; round++) {
            b.fillFrame(b.data(2), (byte) 0);
            assertEquals(OKAY, b.copy(new GrantDomain.Copy(0, DomId.SELF, 0, b.data(2), DomId.SELF, 0, 64, 0))[0],
                    "a copy from the caller's frame 0 (" + round + ")");
            assertEquals(0x5E, b.byteAt(b.data(2), 63), "the copy from the caller's frame 0 arrived (" + round + ")");
            assertEquals(OKAY, b.copy(new GrantDomain.Copy(FIRST_REF + 3, a.domid(), 0, b.data(2), DomId.SELF, 0, 64,
                    GntCopy.SOURCE_GREF))[0], "a copy from a grant of the granter's frame 0 (" + round + ")");
            assertEquals(0x5F, b.byteAt(b.data(2), 63), "the copy from the grant of frame 0 arrived (" + round + ")");
            assertEquals(0, a.busy(FIRST_REF + 3), "the copy from the grant of frame 0 released it (" + round + ")");
            assertEquals(OKAY, b.copy(new GrantDomain.Copy(FIRST_REF + 3, a.domid(), 0, 0, DomId.SELF, 64, 64,
                    GntCopy.SOURCE_GREF))[0], "a copy from a grant into the caller's frame 0 (" + round + ")");
            assertEquals((byte) 0x5F, b.mem.getByte(127), "the copy into the caller's frame 0 arrived (" + round + ")");
            b.mem.fill(64, 64, (byte) 0);
        }
        assertTrue(a.revoke(FIRST_REF + 3), "the granter revokes the grant of frame 0");
        assertEquals(GrantStatus.BAD_DOMAIN.code(), b.copy(new GrantDomain.Copy(FIRST_REF, NO_SUCH_DOMAIN, 0,
                b.data(0), DomId.SELF, 0, 64, GntCopy.SOURCE_GREF))[0], "a copy from a granter that does not exist");
        assertNegative(c.copy(new GrantDomain.Copy(FIRST_REF, a.domid(), 0, c.data(0), DomId.SELF, 0, 64,
                GntCopy.SOURCE_GREF))[0], "a copy by a domain that is not the grantee");
        assertEquals(0, a.busy(FIRST_REF), "the refused copy by another domain left busy bits");

        // the 64-bit union of a side: a frame is all 64 bits (never truncated to 32), a reference only the low 32
        long huge = (1L << 32) | b.data(0);
        assertEquals(GrantStatus.BAD_PAGE.code(), b.copy(new GrantDomain.Copy(huge, DomId.SELF, 0, b.data(1),
                DomId.SELF, 0, 64, 0))[0], "a copy from frame 0x" + Long.toHexString(huge) + " (not truncated to 32 bits)");
        assertEquals(GrantStatus.BAD_PAGE.code(), b.copy(new GrantDomain.Copy(b.data(1), DomId.SELF, 0, huge,
                DomId.SELF, 0, 64, 0))[0], "a copy into frame 0x" + Long.toHexString(huge) + " (not truncated to 32 bits)");
        b.fillFrame(b.data(2), (byte) 0);
        assertEquals(OKAY, copyWithHighBits(b, GntCopy.SOURCE_GREF, FIRST_REF, a.domid(), b.data(2), DomId.SELF),
                "a copy whose source reference has other bits in the upper half of the 64-bit union");
        assertEquals(0x31, b.byteAt(b.data(2), 63), "the copy from the reference (upper half of the union ignored)");
        a.grant(FIRST_REF + 3, b.domid(), a.data(3), false);
        b.fillFrame(b.data(3), (byte) 0x57);
        assertEquals(OKAY, copyWithHighBits(b, GntCopy.DEST_GREF, b.data(3), DomId.SELF, FIRST_REF + 3, a.domid()),
                "a copy whose destination reference has other bits in the upper half of the 64-bit union");
        assertEquals(0x57, a.byteAt(a.data(3), 63), "the copy into the reference (upper half of the union ignored)");
        assertEquals(0, a.busy(FIRST_REF) | a.busy(FIRST_REF + 3), "the copies released their grants");

        // while the grantee's mapping pins the entry, another domain still cannot copy it
        GrantDomain.Mapped m = b.map(a.domid(), FIRST_REF, HOST | RO, 0x1000);
        assertEquals(OKAY, m.status());
        c.fillFrame(c.data(0), (byte) 0);
        assertNegative(c.copy(new GrantDomain.Copy(FIRST_REF, a.domid(), 0, c.data(0), DomId.SELF, 0, 64,
                GntCopy.SOURCE_GREF))[0], "a copy by another domain of an entry the grantee has mapped");
        assertEquals(0, c.byteAt(c.data(0), 0), "the refused copy of the pinned entry wrote C's frame");
        assertEquals(GrantFlags.READING, a.busy(FIRST_REF), "the grantee's pin is intact after C's refused copy");
        assertEquals(OKAY, b.unmap(m.handle(), 0x1000, 0));

        // a writable grant the grantee mapped read-only: a copy into it sets GTF_writing only while it runs
        a.grant(FIRST_REF + 1, b.domid(), a.data(1), false);
        a.fillFrame(a.data(1), (byte) 0);
        b.fillFrame(b.data(1), (byte) 0x42);
        GrantDomain.Mapped ro = b.map(a.domid(), FIRST_REF + 1, HOST | RO, 0x2000);
        assertEquals(OKAY, ro.status());
        assertEquals(OKAY, b.copy(new GrantDomain.Copy(b.data(1), DomId.SELF, 0, FIRST_REF + 1, a.domid(), 0, 64,
                GntCopy.DEST_GREF))[0], "a copy into a writable grant the grantee has mapped read-only");
        assertEquals(0x42, a.byteAt(a.data(1), 63), "the copy into the read-only-mapped writable grant arrived");
        assertEquals(GrantFlags.READING, a.busy(FIRST_REF + 1), "after the copy only the read-only mapping's "
                + "GTF_reading remains (GTF_writing cleared with the copy's writable use)");
        assertEquals(OKAY, b.unmap(ro.handle(), 0x2000, 0));

        // an entry whose frame is not the granter's: GNTST_bad_page, and the busy bits the attempt set are cleared
        for (long badFrame : new long[] {a.mem.frames(), a.mem.frames() + 5}) {
            a.mem.setInt(a.entryGpa(FIRST_REF + 2) + GrantEntryV1Layout.FRAME_OFFSET, (int) badFrame);
            a.mem.setIntRelease(a.entryGpa(FIRST_REF + 2) + GrantEntryV1Layout.FLAGS_OFFSET,
                    (b.domid() << 16) | GrantFlags.PERMIT_ACCESS);
            assertEquals(GrantStatus.BAD_PAGE.code(), b.map(a.domid(), FIRST_REF + 2, HOST, 0x3000).status(),
                    "a map of an entry whose frame " + badFrame + " lies outside the granter's memory");
            assertEquals(0, a.busy(FIRST_REF + 2), "the refused map (bad frame " + badFrame + ") left busy bits");
            assertEquals(GrantStatus.BAD_PAGE.code(), b.copy(new GrantDomain.Copy(b.data(1), DomId.SELF, 0,
                    FIRST_REF + 2, a.domid(), 0, 64, GntCopy.DEST_GREF))[0], "a copy into an entry whose frame "
                    + badFrame + " lies outside the granter's memory");
            assertEquals(0, a.busy(FIRST_REF + 2), "the refused copy (bad frame " + badFrame + ") left busy bits");
            assertTrue(a.revoke(FIRST_REF + 2), "the granter can revoke the entry with the bad frame " + badFrame);
        }
    }

    /**
     * One 64-byte copy whose grant side's 64-bit union holds {@code 0xA5A5A5A5} in its upper half (only the low 32 bits
     * are the reference, {@code grant_ref_t}).
     */
    private static int copyWithHighBits(GrantDomain d, int flags, long src, int srcDom, long dst, int dstDom) {
        long el = d.scratch;
        long high = 0xA5A5_A5A5_0000_0000L;
        d.mem.fill(el, GnttabCopyLayout.SIZE, (byte) 0);
        d.mem.setLong(el + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_U_OFFSET,
                (flags & GntCopy.SOURCE_GREF) != 0 ? high | src : src);
        d.mem.setShort(el + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) srcDom);
        d.mem.setLong(el + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_U_OFFSET,
                (flags & GntCopy.DEST_GREF) != 0 ? high | dst : dst);
        d.mem.setShort(el + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) dstDom);
        d.mem.setShort(el + GnttabCopyLayout.LEN_OFFSET, (short) 64);
        d.mem.setShort(el + GnttabCopyLayout.FLAGS_OFFSET, (short) flags);
        d.mem.setShort(el + GnttabCopyLayout.STATUS_OFFSET, (short) 0x7777);
        assertEquals(0, d.op(GrantTableOp.COPY, el, 1), "grant_table_op(copy) returns 0 for a processed batch");
        return d.mem.getShort(el + GnttabCopyLayout.STATUS_OFFSET);
    }

    // ------------------------------------------------------------------------------------------ GNT-26

    /** GNT-26: query_size, setup_table, get_version and set_version for the caller and for other domains. */
    void tableOperationsOnOtherDomains() {
        assertEquals(GrantStatus.BAD_DOMAIN.code(), b.querySize(NO_SUCH_DOMAIN)[0], "query_size of a domain that does not exist");
        assertEquals(GrantStatus.BAD_DOMAIN.code(), b.setupTable(NO_SUCH_DOMAIN, 1, b.scratch + 2048),
                "setup_table of a domain that does not exist");
        assertEquals(GrantStatus.PERMISSION_DENIED.code(), b.querySize(a.domid())[0],
                "query_size of another domain by an unprivileged domain");
        assertEquals(GrantStatus.PERMISSION_DENIED.code(), b.setupTable(a.domid(), 1, b.scratch + 2048),
                "setup_table of another domain by an unprivileged domain");

        assertEquals(0, getVersion(b, DomId.SELF), "get_version(DOMID_SELF)");
        assertEquals(1, b.mem.getInt(b.scratch + GnttabGetVersionLayout.VERSION_OFFSET), "get_version reports v1");
        assertEquals(0, getVersion(b, b.domid()), "get_version of the caller by its id");
        assertEquals(1, b.mem.getInt(b.scratch + GnttabGetVersionLayout.VERSION_OFFSET), "get_version reports v1");
        assertEquals(XenErrno.ESRCH.negated(), getVersion(b, NO_SUCH_DOMAIN), "get_version of a domain that does not exist");
        assertEquals(XenErrno.EPERM.negated(), getVersion(b, a.domid()),
                "get_version of another domain by an unprivileged domain");
        assertEquals(0, setVersion(b, 1), "set_version(1) on a v1 table");
        assertEquals(1, b.mem.getInt(b.scratch + GnttabSetVersionLayout.VERSION_OFFSET),
                "set_version reports the version in use");
        for (int v : new int[] {0, 3}) {
            assertEquals(XenErrno.EINVAL.negated(), setVersion(b, v), "set_version(" + v + ")");
            assertEquals(1, b.mem.getInt(b.scratch + GnttabSetVersionLayout.VERSION_OFFSET),
                    "set_version(" + v + ") reports the version in use");
        }
        assertEquals(1, a.querySize(DomId.SELF)[1], "another domain's calls left A's table alone");
        int max = b.querySize(DomId.SELF)[2];
        if (max <= 64) { // the frame list fits in the scratch frame
            assertEquals(OKAY, b.setupTable(DomId.SELF, max, b.scratch + 2048),
                    "setup_table(DOMID_SELF, " + max + "): the maximum itself is allowed");
            assertEquals(max, b.querySize(DomId.SELF)[1], "query_size after setup_table of the maximum");
        }

        if (!hypervisor.capabilities().contains(Capability.PRIVILEGED_DOMAINS)) {
            return;
        }
        DomainUnderTest p = hypervisor.createDomain(new DomainConfig(domainFrames, 1, true));
        domains.add(p);
        GrantDomain priv = new GrantDomain(p, null);
        int[] q = priv.querySize(a.domid());
        assertEquals(OKAY, q[0], "query_size of another domain by a privileged domain");
        int[] own = a.querySize(DomId.SELF);
        assertEquals(own[1], q[1], "the privileged query_size reports A's nr_frames");
        assertEquals(own[2], q[2], "the privileged query_size reports A's max_nr_frames");
        assertEquals(0, getVersion(priv, a.domid()), "get_version of another domain by a privileged domain");
        assertEquals(1, priv.mem.getInt(priv.scratch + GnttabGetVersionLayout.VERSION_OFFSET), "A's version");
        if (own[2] >= 2) {
            long list = priv.scratch + 2048;
            assertEquals(OKAY, priv.setupTable(a.domid(), 2, list), "setup_table(A, 2) by a privileged domain");
            assertEquals(2, a.querySize(DomId.SELF)[1], "A's table grew to the 2 frames its privileged peer set up");
            long listed = priv.mem.getLong(list);
            assertTrue(listed == a.tableFrames[0], "setup_table(A, 2) lists A's first table frame "
                    + a.tableFrames[0] + " first, not " + listed);
        }
    }

    private static long getVersion(GrantDomain d, int dom) {
        d.mem.setShort(d.scratch + GnttabGetVersionLayout.DOM_OFFSET, (short) dom);
        d.mem.setInt(d.scratch + GnttabGetVersionLayout.VERSION_OFFSET, 0x7777);
        return d.op(GrantTableOp.GET_VERSION, d.scratch, 1);
    }

    private static long setVersion(GrantDomain d, int version) {
        d.mem.setInt(d.scratch + GnttabSetVersionLayout.VERSION_OFFSET, version);
        return d.op(GrantTableOp.SET_VERSION, d.scratch, 1);
    }
}
