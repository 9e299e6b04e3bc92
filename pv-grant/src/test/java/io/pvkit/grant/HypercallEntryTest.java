package io.pvkit.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.grant.GnttabGetVersionLayout;
import io.pvkit.abi.grant.GnttabSetVersionLayout;
import io.pvkit.abi.grant.GnttabSetupTableLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.Gntst;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link GrantTableHypercall} as a Java object: its constructor, the {@code HypercallHandler} entry that routes
 * only {@code grant_table_op}, and the answers no conformance rule fixes (get_version's count, set_version 2, the
 * staging bound of setup_table).
 */
class HypercallEntryTest {
    private static final long ARGS = GuestMemory.gpaOf(20);

    private static HypercallContext ctx(Fixture f, int dom) {
        return HypercallContext.of(dom, 0, dom == 0, f.mem[dom]);
    }

    @Test
    void shouldRefuseANonPositiveElementBoundAndNullTables() {
        GrantTables t = new GrantTables();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GrantTableHypercall(t, 0));
        assertEquals("maxElementsPerCall must be positive", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GrantTableHypercall(t, -1));
        new GrantTableHypercall(t, 1); // the smallest bound is accepted
        assertThrows(NullPointerException.class, () -> new GrantTableHypercall(null, 1));
    }

    @Test
    void shouldAnswerEnosysForEveryHypercallButGrantTableOp() {
        try (Fixture f = new Fixture()) {
            GrantTableHypercall h = new GrantTableHypercall(f.hv);
            f.mem[1].setInt(ARGS + GnttabSetVersionLayout.VERSION_OFFSET, 1);
            long enosys = XenErrno.ENOSYS.negated();
            assertEquals(enosys, h.hypercall(ctx(f, 1), HypercallOp.MEMORY_OP.number(),
                    GrantTableOp.SET_VERSION.code(), ARGS, 1, 0, 0));
            assertEquals(enosys, h.hypercall(ctx(f, 1), HypercallOp.EVENT_CHANNEL_OP.number(),
                    GrantTableOp.SET_VERSION.code(), ARGS, 1, 0, 0));
            assertEquals(0, h.hypercall(ctx(f, 1), HypercallOp.GRANT_TABLE_OP.number(),
                    GrantTableOp.SET_VERSION.code(), ARGS, 1, 0, 0), "grant_table_op is dispatched");
        }
    }

    @Test
    void shouldAnswerEinvalForGetVersionWithACountOtherThanOne() {
        try (Fixture f = new Fixture()) {
            GrantTableHypercall h = new GrantTableHypercall(f.hv);
            f.mem[1].setShort(ARGS + GnttabGetVersionLayout.DOM_OFFSET, (short) DomId.SELF);
            f.mem[1].setInt(ARGS + GnttabGetVersionLayout.VERSION_OFFSET, 77);
            assertEquals(XenErrno.EINVAL.negated(), h.grantTableOp(ctx(f, 1), GrantTableOp.GET_VERSION.code(), ARGS, 2));
            assertEquals(XenErrno.EINVAL.negated(), h.grantTableOp(ctx(f, 1), GrantTableOp.GET_VERSION.code(), ARGS, 0));
            assertEquals(77, f.mem[1].getInt(ARGS + GnttabGetVersionLayout.VERSION_OFFSET), "nothing written");
            assertEquals(0, h.grantTableOp(ctx(f, 1), GrantTableOp.GET_VERSION.code(), ARGS, 1));
            assertEquals(1, f.mem[1].getInt(ARGS + GnttabGetVersionLayout.VERSION_OFFSET));
        }
    }

    @Test
    void shouldAnswerEopnotsuppForVersionTwoAndEinvalForOtherVersions() {
        try (Fixture f = new Fixture()) {
            GrantTableHypercall h = new GrantTableHypercall(f.hv);
            for (long[] wantedAndRc : new long[][] {{2, XenErrno.EOPNOTSUPP.negated()}, {3, XenErrno.EINVAL.negated()},
                    {0, XenErrno.EINVAL.negated()}, {1, 0}}) {
                f.mem[1].setInt(ARGS + GnttabSetVersionLayout.VERSION_OFFSET, (int) wantedAndRc[0]);
                assertEquals(wantedAndRc[1], h.grantTableOp(ctx(f, 1), GrantTableOp.SET_VERSION.code(), ARGS, 1),
                        "set_version " + wantedAndRc[0]);
                assertEquals(1, f.mem[1].getInt(ARGS + GnttabSetVersionLayout.VERSION_OFFSET), "the version in use");
            }
        }
    }

    @Test
    void shouldStageAtMost65536FramesInSetupTable(@TempDir Path dir) {
        int maxFrames = (1 << 16) + 1;
        // a sparse file: only the pages written below take space
        try (GuestMemory mem = GuestMemory.mapFile(dir.resolve("big-guest"), maxFrames)) {
            GrantTables t = new GrantTables();
            t.addDomain(new DomainSpec(1, mem, 1, false), 0, maxFrames);
            GrantTableHypercall h = new GrantTableHypercall(t);
            HypercallContext c = HypercallContext.of(1, 0, false, mem);
            long list = GuestMemory.gpaOf(100);
            for (long nr : new long[] {1 << 16, (1 << 16) + 1}) {
                mem.setShort(ARGS + GnttabSetupTableLayout.DOM_OFFSET, (short) DomId.SELF);
                mem.setInt(ARGS + GnttabSetupTableLayout.NR_FRAMES_OFFSET, (int) nr);
                mem.setLong(ARGS + GnttabSetupTableLayout.FRAME_LIST_OFFSET, list);
                mem.setShort(ARGS + GnttabSetupTableLayout.STATUS_OFFSET, (short) 0x7777);
                assertEquals(0, h.grantTableOp(c, GrantTableOp.SETUP_TABLE.code(), ARGS, 1));
                short expected = nr == 1 << 16 ? (short) Gntst.OKAY : (short) Gntst.GENERAL_ERROR;
                assertEquals(expected, mem.getShort(ARGS + GnttabSetupTableLayout.STATUS_OFFSET), "nr_frames " + nr);
            }
            assertEquals((1 << 16) - 1, mem.getLong(list + 8L * ((1 << 16) - 1)), "the last staged frame written");
            assertEquals(1 << 16, t.querySize(1, 1).nrFrames(), "the refused call grew nothing");
            t.releaseDomain(1, Integer.MAX_VALUE);
        }
    }
}
