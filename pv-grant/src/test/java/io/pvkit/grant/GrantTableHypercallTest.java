package io.pvkit.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabQuerySizeLayout;
import io.pvkit.abi.grant.GnttabSetupTableLayout;
import io.pvkit.abi.grant.GnttabSwapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.Gntst;

import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GrantTableHypercallTest {
    private static final long ARGS = GuestMemory.gpaOf(20);

    private static long call(Fixture f, int dom, GrantTableOp op, long uops, long count) {
        return new GrantTableHypercall(f.hv).hypercall(HypercallContext.of(dom, 0, dom == 0, f.mem[dom]),
                HypercallOp.GRANT_TABLE_OP.number(), op.code(), uops, count, 0, 0);
    }

    private static void writeMap(GuestMemory m, long gpa, long hostAddr, int flags, long ref, int dom) {
        m.setLong(gpa + GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, hostAddr);
        m.setInt(gpa + GnttabMapGrantRefLayout.FLAGS_OFFSET, flags);
        m.setInt(gpa + GnttabMapGrantRefLayout.REF_OFFSET, (int) ref);
        m.setShort(gpa + GnttabMapGrantRefLayout.DOM_OFFSET, (short) dom);
        m.setShort(gpa + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) 0x7777);
    }

    @Test
    void shouldMapBatchWithPerElementStatusAndUnmap() {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x61), true);
            long size = GnttabMapGrantRefLayout.SIZE;
            writeMap(f.mem[2], ARGS, 0x9000, GntMap.HOST_MAP | GntMap.READONLY, ref, 1);
            writeMap(f.mem[2], ARGS + size, 0x9000, GntMap.HOST_MAP, ref, 1);              // rw of ro grant
            writeMap(f.mem[2], ARGS + 2 * size, 0x9000, GntMap.HOST_MAP, 0xFFFF_FFFFL, 1);  // bad ref
            writeMap(f.mem[2], ARGS + 3 * size, 0x9000, GntMap.HOST_MAP, ref, 77);          // bad domain
            assertEquals(0, call(f, 2, GrantTableOp.MAP_GRANT_REF, ARGS, 4));
            assertEquals(Gntst.OKAY, f.mem[2].getShort(ARGS + GnttabMapGrantRefLayout.STATUS_OFFSET));
            assertEquals(Gntst.GENERAL_ERROR, f.mem[2].getShort(ARGS + size + GnttabMapGrantRefLayout.STATUS_OFFSET));
            assertEquals(Gntst.BAD_GNTREF, f.mem[2].getShort(ARGS + 2 * size + GnttabMapGrantRefLayout.STATUS_OFFSET));
            assertEquals(Gntst.BAD_DOMAIN, f.mem[2].getShort(ARGS + 3 * size + GnttabMapGrantRefLayout.STATUS_OFFSET));
            int handle = f.mem[2].getInt(ARGS + GnttabMapGrantRefLayout.HANDLE_OFFSET);
            var seg = f.hv.segmentOf(2, handle);
            assertNotNull(seg);
            assertEquals(0x61, seg.get(ValueLayout.JAVA_BYTE, 7));

            long u = ARGS + 1024;
            f.mem[2].setLong(u + GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET, 0x9000);
            f.mem[2].setInt(u + GnttabUnmapGrantRefLayout.HANDLE_OFFSET, handle);
            assertEquals(0, call(f, 2, GrantTableOp.UNMAP_GRANT_REF, u, 1));
            assertEquals(Gntst.OKAY, f.mem[2].getShort(u + GnttabUnmapGrantRefLayout.STATUS_OFFSET));
            assertEquals(0, call(f, 2, GrantTableOp.UNMAP_GRANT_REF, u, 1));
            assertEquals(Gntst.BAD_HANDLE, f.mem[2].getShort(u + GnttabUnmapGrantRefLayout.STATUS_OFFSET));
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
        }
    }

    @Test
    void shouldReturnEfaultForBadArrayPointer() {
        try (Fixture f = new Fixture()) {
            long efault = XenErrno.EFAULT.negated();
            assertEquals(efault, call(f, 2, GrantTableOp.MAP_GRANT_REF, GuestMemory.gpaOf(Fixture.FRAMES), 1));
            assertEquals(efault, call(f, 2, GrantTableOp.MAP_GRANT_REF, -8, 1));
            assertEquals(efault, call(f, 2, GrantTableOp.COPY, GuestMemory.gpaOf(Fixture.FRAMES) - 8, 1));
            long nearEnd = GuestMemory.gpaOf(Fixture.FRAMES) - 10 * GnttabMapGrantRefLayout.SIZE;
            assertEquals(efault, call(f, 2, GrantTableOp.MAP_GRANT_REF, nearEnd, 0x7FFF_FFFFL), "runs past memory");
            assertEquals(0, call(f, 2, GrantTableOp.MAP_GRANT_REF, -8, 0), "count 0 touches nothing");
            assertEquals(XenErrno.ENOSYS.negated(), call(f, 2, GrantTableOp.TRANSFER, ARGS, 1));
        }
    }

    @Test
    void shouldWriteEveryCopyStatusInBatch() {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x42), true);
            long local = f.dataFrame(2, 0, (byte) 0);
            long size = GnttabCopyLayout.SIZE;
            int[][] elems = {{0, 64}, {4090, 10}, {0, 0}, {100, 4096 - 100}};
            for (int i = 0; i < elems.length; i++) {
                long e = ARGS + i * size;
                f.mem[2].setInt(e + GnttabCopyLayout.SOURCE_OFFSET, ref);
                f.mem[2].setShort(e + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) 1);
                f.mem[2].setShort(e + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_OFFSET_OFFSET, (short) elems[i][0]);
                f.mem[2].setLong(e + GnttabCopyLayout.DEST_OFFSET, local);
                f.mem[2].setShort(e + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) DomId.SELF);
                f.mem[2].setShort(e + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_OFFSET_OFFSET, (short) 0);
                f.mem[2].setShort(e + GnttabCopyLayout.LEN_OFFSET, (short) elems[i][1]);
                f.mem[2].setShort(e + GnttabCopyLayout.FLAGS_OFFSET, (short) GntCopy.SOURCE_GREF);
                f.mem[2].setShort(e + GnttabCopyLayout.STATUS_OFFSET, (short) 0x5555);
            }
            assertEquals(0, call(f, 2, GrantTableOp.COPY, ARGS, elems.length));
            int[] expect = {Gntst.OKAY, Gntst.BAD_COPY_ARG, Gntst.OKAY, Gntst.OKAY};
            for (int i = 0; i < elems.length; i++) {
                assertEquals(expect[i], f.mem[2].getShort(ARGS + i * size + GnttabCopyLayout.STATUS_OFFSET), "element " + i);
            }
            assertEquals(0x42, f.mem[2].getByte(GuestMemory.gpaOf(local) + 3995));
        }
    }

    @Test
    void shouldRejectHugeU16CopyArgsAndLeaveTheGrantRevocable() {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x42), true);
            long local = f.dataFrame(2, 0, (byte) 0);
            long size = GnttabCopyLayout.SIZE;
            // {source offset, dest offset, length}: u16 values whose sums cross the page or wrap 16 bits
            int[][] elems = {{0xFFFF, 0, 1}, {0, 0xFFFF, 1}, {0, 0, 0xFFFF}, {0xFFFF, 0xFFFF, 0xFFFF},
                    {4096, 0, 1}, {1, 0, 0xFFFF}, {0x8000, 0, 0x8000}};
            for (int i = 0; i < elems.length; i++) {
                long e = ARGS + i * size;
                f.mem[2].setInt(e + GnttabCopyLayout.SOURCE_OFFSET, ref);
                f.mem[2].setShort(e + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) 1);
                f.mem[2].setShort(e + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_OFFSET_OFFSET, (short) elems[i][0]);
                f.mem[2].setLong(e + GnttabCopyLayout.DEST_OFFSET, local);
                f.mem[2].setShort(e + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) DomId.SELF);
                f.mem[2].setShort(e + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_OFFSET_OFFSET, (short) elems[i][1]);
                f.mem[2].setShort(e + GnttabCopyLayout.LEN_OFFSET, (short) elems[i][2]);
                f.mem[2].setShort(e + GnttabCopyLayout.FLAGS_OFFSET, (short) GntCopy.SOURCE_GREF);
                f.mem[2].setShort(e + GnttabCopyLayout.STATUS_OFFSET, (short) 0x5555);
            }
            assertEquals(0, call(f, 2, GrantTableOp.COPY, ARGS, elems.length));
            for (int i = 0; i < elems.length; i++) {
                assertEquals(Gntst.BAD_COPY_ARG, f.mem[2].getShort(ARGS + i * size + GnttabCopyLayout.STATUS_OFFSET),
                        "element " + i);
            }
            for (int i = 0; i < GuestMemory.PAGE_SIZE; i += 512) {
                assertEquals(0, f.mem[2].getByte(GuestMemory.gpaOf(local) + i), "nothing copied, byte " + i);
            }
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref), "no copy pin left");
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref), "revoke succeeds afterwards");
        }
    }

    @Test
    void shouldSetUpTableAndQuerySizeThroughGuestMemory() {
        try (Fixture f = new Fixture()) {
            long list = ARGS + 512;
            f.mem[1].setShort(ARGS + GnttabSetupTableLayout.DOM_OFFSET, (short) DomId.SELF);
            f.mem[1].setInt(ARGS + GnttabSetupTableLayout.NR_FRAMES_OFFSET, 3);
            f.mem[1].setLong(ARGS + GnttabSetupTableLayout.FRAME_LIST_OFFSET, list);
            assertEquals(0, call(f, 1, GrantTableOp.SETUP_TABLE, ARGS, 1));
            assertEquals(Gntst.OKAY, f.mem[1].getShort(ARGS + GnttabSetupTableLayout.STATUS_OFFSET));
            assertEquals(2, f.mem[1].getLong(list + 16));
            // huge nr_frames: refused before the output array is touched
            f.mem[1].setLong(list, -1);
            f.mem[1].setInt(ARGS + GnttabSetupTableLayout.NR_FRAMES_OFFSET, 0x4000_0000);
            assertEquals(0, call(f, 1, GrantTableOp.SETUP_TABLE, ARGS, 1));
            assertEquals(Gntst.GENERAL_ERROR, f.mem[1].getShort(ARGS + GnttabSetupTableLayout.STATUS_OFFSET));
            assertEquals(-1, f.mem[1].getLong(list));
            // output array outside memory
            f.mem[1].setInt(ARGS + GnttabSetupTableLayout.NR_FRAMES_OFFSET, 2);
            f.mem[1].setLong(ARGS + GnttabSetupTableLayout.FRAME_LIST_OFFSET, GuestMemory.gpaOf(Fixture.FRAMES) - 8);
            assertEquals(0, call(f, 1, GrantTableOp.SETUP_TABLE, ARGS, 1));
            assertEquals(Gntst.BAD_VIRT_ADDR, f.mem[1].getShort(ARGS + GnttabSetupTableLayout.STATUS_OFFSET));

            f.mem[1].setShort(ARGS + GnttabQuerySizeLayout.DOM_OFFSET, (short) DomId.SELF);
            assertEquals(0, call(f, 1, GrantTableOp.QUERY_SIZE, ARGS, 1));
            assertEquals(3, f.mem[1].getInt(ARGS + GnttabQuerySizeLayout.NR_FRAMES_OFFSET));
            assertEquals(4, f.mem[1].getInt(ARGS + GnttabQuerySizeLayout.MAX_NR_FRAMES_OFFSET));
            assertEquals(Gntst.OKAY, f.mem[1].getShort(ARGS + GnttabQuerySizeLayout.STATUS_OFFSET));
        }
    }

    @Test
    void shouldRejectCountsWithTheTopBitSetWithoutTouchingAnything() {
        try (Fixture f = new Fixture()) {
            f.mem[2].setShort(ARGS + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) 0x7777);
            for (GrantTableOp op : new GrantTableOp[] {GrantTableOp.MAP_GRANT_REF, GrantTableOp.UNMAP_GRANT_REF,
                    GrantTableOp.COPY, GrantTableOp.SWAP_GRANT_REF}) {
                for (long count : new long[] {0x8000_0000L, 0xFFFF_FFFFL}) {
                    long start = System.nanoTime();
                    assertEquals(XenErrno.EINVAL.negated(), call(f, 2, op, ARGS, count), op + " count " + count);
                    assertTrue(System.nanoTime() - start < 1_000_000_000L, op + " took a second");
                }
            }
            assertEquals((short) 0x7777, f.mem[2].getShort(ARGS + GnttabMapGrantRefLayout.STATUS_OFFSET));
        }
    }

    @Test
    void shouldRefuseMoreThanOneElementForSingleElementCommands() {
        try (Fixture f = new Fixture()) {
            for (GrantTableOp op : new GrantTableOp[] {GrantTableOp.SETUP_TABLE, GrantTableOp.QUERY_SIZE,
                    GrantTableOp.GET_STATUS_FRAMES, GrantTableOp.SET_VERSION, GrantTableOp.GET_VERSION}) {
                assertEquals(XenErrno.EINVAL.negated(), call(f, 2, op, ARGS, 2), op.toString());
                assertEquals(XenErrno.EINVAL.negated(), call(f, 2, op, ARGS, 0x7FFF_FFFFL), op.toString());
            }
        }
    }

    @Test
    void shouldBoundTheWorkPerCallAndLetTheCallerContinue() {
        try (Fixture f = new Fixture()) {
            GrantTableHypercall h = new GrantTableHypercall(f.hv, 64);
            HypercallContext ctx = HypercallContext.of(2, 0, false, f.mem[2]);
            long size = GnttabSwapGrantRefLayout.SIZE;
            int n = 200;
            for (int i = 0; i < n; i++) {
                long e = ARGS + i * size;
                f.mem[2].setInt(e + GnttabSwapGrantRefLayout.REF_A_OFFSET, 8 + i % 2);
                f.mem[2].setInt(e + GnttabSwapGrantRefLayout.REF_B_OFFSET, i % 3 == 0 ? 99_999 : 8);
                f.mem[2].setShort(e + GnttabSwapGrantRefLayout.STATUS_OFFSET, (short) 0x7777);
            }
            long uops = ARGS;
            long count = n;
            java.util.List<Long> results = new java.util.ArrayList<>();
            long rc;
            while ((rc = h.grantTableOp(ctx, GrantTableOp.SWAP_GRANT_REF.code(), uops, count)) > 0) {
                results.add(rc);
                for (long i = (uops - ARGS) / size + rc; i < n; i++) {
                    assertEquals((short) 0x7777, f.mem[2].getShort(ARGS + i * size + GnttabSwapGrantRefLayout.STATUS_OFFSET),
                            "element " + i + " was done beyond the bound");
                }
                uops += rc * size;
                count -= rc;
            }
            results.add(rc);
            assertEquals(java.util.List.of(64L, 64L, 64L, 0L), results, "3 continuations of 64, then the last 8");
            for (int i = 0; i < n; i++) {
                assertEquals(i % 3 == 0 ? Gntst.BAD_GNTREF : Gntst.OKAY,
                        f.mem[2].getShort(ARGS + i * size + GnttabSwapGrantRefLayout.STATUS_OFFSET), "element " + i);
            }
        }
    }

    @Test
    void shouldAnswerDumpTableWithEnosysAsXenDoes() {
        try (Fixture f = new Fixture()) {
            for (int caller : new int[] {0, 2}) {
                for (int dom : new int[] {DomId.SELF, 1, 77}) {
                    f.mem[caller].setShort(ARGS, (short) dom);
                    f.mem[caller].setShort(ARGS + 2, (short) 0x7777);
                    assertEquals(XenErrno.ENOSYS.negated(), call(f, caller, GrantTableOp.DUMP_TABLE, ARGS, 1),
                            "dump_table(" + dom + ") by " + caller);
                    assertEquals((short) 0x7777, f.mem[caller].getShort(ARGS + 2), "no status written");
                }
            }
        }
    }
}
