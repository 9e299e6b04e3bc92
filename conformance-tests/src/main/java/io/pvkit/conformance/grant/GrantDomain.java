package io.pvkit.conformance.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GnttabCopyLayout;
import io.pvkit.abi.grant.GnttabGetStatusFramesLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabQuerySizeLayout;
import io.pvkit.abi.grant.GnttabSetupTableLayout;
import io.pvkit.abi.grant.GnttabSwapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.conformance.spi.DomainUnderTest;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A test domain as a guest would drive grant tables: it writes its own grant entries raw (through the
 * {@code grant_entry_v1} layout, not through any library), and issues {@code grant_table_op} with argument
 * structures in a scratch frame of its memory.
 */
final class GrantDomain {
    /** The result of one map element. */
    record Mapped(int status, int handle, long devBusAddr) {
    }

    /** One copy element. */
    record Copy(long srcRefOrGfn, int srcDomid, int srcOffset, long dstRefOrGfn, int dstDomid, int dstOffset,
                int length, int flags) {
    }

    final DomainUnderTest dom;
    final GuestMemory mem;
    /**
     * The hostile view the implementation reaches this domain's grant entries through, when it declares
     * {@code SHARED_MEMORY_VIEW} and made it; null otherwise. The kit's own writes go to {@link #mem}.
     */
    final HostileMemory hostile;
    final long[] tableFrames;
    final long scratch;
    final List<Long> dataFrames = new ArrayList<>();

    /** Sets up one table frame with setup_table(DOMID_SELF, 1) and picks scratch and data frames. */
    GrantDomain(DomainUnderTest dom, HostileMemory hostile) {
        this.dom = dom;
        this.mem = dom.spec().memory();
        this.hostile = hostile;
        long frames = mem.frames();
        long probe = frames - 1;
        long args = GuestMemory.gpaOf(probe);
        long list = args + 256;
        mem.setShort(args + GnttabSetupTableLayout.DOM_OFFSET, (short) DomId.SELF);
        mem.setInt(args + GnttabSetupTableLayout.NR_FRAMES_OFFSET, 1);
        mem.setLong(args + GnttabSetupTableLayout.FRAME_LIST_OFFSET, list);
        long rc = op(GrantTableOp.SETUP_TABLE, args, 1);
        assertEquals(0, rc, "setup_table(DOMID_SELF, 1) must succeed");
        assertEquals(0, mem.getShort(args + GnttabSetupTableLayout.STATUS_OFFSET), "setup_table status");
        long t = mem.getLong(list);
        assertTrue(t >= 0 && t < frames, "setup_table reported frame " + t + " outside the domain's memory");
        this.tableFrames = new long[] {t};
        long s = -1;
        for (long f = frames - 1; f >= 0; f--) {
            if (f == t || f == 0) {
                continue; // frame 0 has guest-physical (and often bus) address 0, which unmap reads as "none"
            }
            if (s < 0) {
                s = f;
            } else {
                dataFrames.addFirst(f);
            }
        }
        this.scratch = GuestMemory.gpaOf(s);
        if (probe == t) {
            mem.fill(GuestMemory.gpaOf(t), GuestMemory.PAGE_SIZE, (byte) 0); // we wrote arguments into the table
        }
    }

    int domid() {
        return dom.domid();
    }

    long data(int i) {
        return dataFrames.get(i);
    }

    long op(GrantTableOp op, long uops, long count) {
        return dom.hypercall(0, HypercallOp.GRANT_TABLE_OP.number(), op.code(), uops, count, 0, 0);
    }

    // ---------------------------------------------------------------------------- own grant entries

    long entryGpa(int ref) {
        return GuestMemory.gpaOf(tableFrames[ref / GrantEntryV1Layout.ENTRIES_PER_FRAME])
                + (long) (ref % GrantEntryV1Layout.ENTRIES_PER_FRAME) * GrantEntryV1Layout.SIZE;
    }

    /** Writes entry {@code ref} as grant_table.h says: frame, then flags+domid with release. */
    void grant(int ref, int grantee, long gfn, int flags) {
        long e = entryGpa(ref);
        mem.setInt(e + GrantEntryV1Layout.FRAME_OFFSET, (int) gfn);
        mem.setIntRelease(e + GrantEntryV1Layout.FLAGS_OFFSET, (grantee << 16) | flags);
    }

    void grant(int ref, int grantee, long gfn, boolean readOnly) {
        grant(ref, grantee, gfn, GrantFlags.PERMIT_ACCESS | (readOnly ? GrantFlags.READONLY : 0));
    }

    /** The revoke protocol of grant_table.h: fails while reading/writing is set. */
    boolean revoke(int ref) {
        long w = entryGpa(ref);
        int seen = mem.getIntVolatile(w);
        while (true) {
            if ((seen & (GrantFlags.READING | GrantFlags.WRITING)) != 0) {
                return false;
            }
            int witness = mem.compareAndExchangeInt(w, seen, seen & 0xFFFF0000);
            if (witness == seen) {
                return true;
            }
            seen = witness;
        }
    }

    int flags(int ref) {
        return mem.getIntVolatile(entryGpa(ref)) & 0xFFFF;
    }

    int busy(int ref) {
        return flags(ref) & (GrantFlags.READING | GrantFlags.WRITING);
    }

    void fillFrame(long gfn, byte value) {
        mem.fill(GuestMemory.gpaOf(gfn), GuestMemory.PAGE_SIZE, value);
    }

    byte byteAt(long gfn, int offset) {
        return mem.getByte(GuestMemory.gpaOf(gfn) + offset);
    }

    // ----------------------------------------------------------------------------------- operations

    Mapped map(int granter, long ref, int flags, long hostAddr) {
        long a = scratch;
        writeMap(a, granter, ref, flags, hostAddr);
        long rc = op(GrantTableOp.MAP_GRANT_REF, a, 1);
        assertEquals(0, rc, "grant_table_op(map) returns 0 for a processed batch");
        return readMap(a);
    }

    /**
     * A map whose hypercall may itself fail (a domain being destroyed may be refused the hypercall).
     *
     * @return the element's result; its status is the negative hypercall result when the call itself failed
     */
    Mapped mapRaw(int granter, long ref, int flags, long hostAddr) {
        long a = scratch;
        writeMap(a, granter, ref, flags, hostAddr);
        long rc = op(GrantTableOp.MAP_GRANT_REF, a, 1);
        return rc != 0 ? new Mapped((int) Math.max(rc, Integer.MIN_VALUE), -1, 0) : readMap(a);
    }

    void writeMap(long a, int granter, long ref, int flags, long hostAddr) {
        mem.setLong(a + GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, hostAddr);
        mem.setInt(a + GnttabMapGrantRefLayout.FLAGS_OFFSET, flags);
        mem.setInt(a + GnttabMapGrantRefLayout.REF_OFFSET, (int) ref);
        mem.setShort(a + GnttabMapGrantRefLayout.DOM_OFFSET, (short) granter);
        mem.setShort(a + GnttabMapGrantRefLayout.STATUS_OFFSET, (short) 0x7777);
        mem.setInt(a + GnttabMapGrantRefLayout.HANDLE_OFFSET, -1);
    }

    Mapped readMap(long a) {
        return new Mapped(mem.getShort(a + GnttabMapGrantRefLayout.STATUS_OFFSET),
                mem.getInt(a + GnttabMapGrantRefLayout.HANDLE_OFFSET),
                mem.getLong(a + GnttabMapGrantRefLayout.DEV_BUS_ADDR_OFFSET));
    }

    int unmap(int handle, long hostAddr, long devBusAddr) {
        long a = scratch;
        mem.setLong(a + GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET, hostAddr);
        mem.setLong(a + GnttabUnmapGrantRefLayout.DEV_BUS_ADDR_OFFSET, devBusAddr);
        mem.setInt(a + GnttabUnmapGrantRefLayout.HANDLE_OFFSET, handle);
        mem.setShort(a + GnttabUnmapGrantRefLayout.STATUS_OFFSET, (short) 0x7777);
        long rc = op(GrantTableOp.UNMAP_GRANT_REF, a, 1);
        assertEquals(0, rc, "grant_table_op(unmap) returns 0 for a processed batch");
        return mem.getShort(a + GnttabUnmapGrantRefLayout.STATUS_OFFSET);
    }

    /** Runs a batch of copies and returns every element's status. */
    short[] copy(Copy... ops) {
        long base = scratch;
        for (int i = 0; i < ops.length; i++) {
            Copy c = ops[i];
            long e = base + i * GnttabCopyLayout.SIZE;
            mem.setLong(e + GnttabCopyLayout.SOURCE_OFFSET, 0);
            mem.setLong(e + GnttabCopyLayout.DEST_OFFSET, 0);
            if ((c.flags() & GntCopy.SOURCE_GREF) != 0) {
                mem.setInt(e + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_U_OFFSET, (int) c.srcRefOrGfn());
            } else {
                mem.setLong(e + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_U_OFFSET, c.srcRefOrGfn());
            }
            if ((c.flags() & GntCopy.DEST_GREF) != 0) {
                mem.setInt(e + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_U_OFFSET, (int) c.dstRefOrGfn());
            } else {
                mem.setLong(e + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_U_OFFSET, c.dstRefOrGfn());
            }
            mem.setShort(e + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) c.srcDomid());
            mem.setShort(e + GnttabCopyLayout.SOURCE_OFFSET + GnttabCopyLayout.PTR_OFFSET_OFFSET, (short) c.srcOffset());
            mem.setShort(e + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_DOMID_OFFSET, (short) c.dstDomid());
            mem.setShort(e + GnttabCopyLayout.DEST_OFFSET + GnttabCopyLayout.PTR_OFFSET_OFFSET, (short) c.dstOffset());
            mem.setShort(e + GnttabCopyLayout.LEN_OFFSET, (short) c.length());
            mem.setShort(e + GnttabCopyLayout.FLAGS_OFFSET, (short) c.flags());
            mem.setShort(e + GnttabCopyLayout.STATUS_OFFSET, (short) 0x7777);
        }
        long rc = op(GrantTableOp.COPY, base, ops.length);
        assertEquals(0, rc, "grant_table_op(copy) returns 0 for a processed batch");
        short[] st = new short[ops.length];
        for (int i = 0; i < ops.length; i++) {
            st[i] = mem.getShort(base + i * GnttabCopyLayout.SIZE + GnttabCopyLayout.STATUS_OFFSET);
        }
        return st;
    }

    /** @return {status, nr_frames, max_nr_frames} */
    int[] querySize(int target) {
        long a = scratch;
        mem.setShort(a + GnttabQuerySizeLayout.DOM_OFFSET, (short) target);
        mem.setShort(a + GnttabQuerySizeLayout.STATUS_OFFSET, (short) 0x7777);
        assertEquals(0, op(GrantTableOp.QUERY_SIZE, a, 1), "grant_table_op(query_size) returns 0");
        return new int[] {mem.getShort(a + GnttabQuerySizeLayout.STATUS_OFFSET),
                mem.getInt(a + GnttabQuerySizeLayout.NR_FRAMES_OFFSET),
                mem.getInt(a + GnttabQuerySizeLayout.MAX_NR_FRAMES_OFFSET)};
    }

    /** @return the status, or the negative hypercall result when the call itself failed */
    int setupTable(int target, long nrFrames, long listGpa) {
        long a = scratch;
        mem.setShort(a + GnttabSetupTableLayout.DOM_OFFSET, (short) target);
        mem.setInt(a + GnttabSetupTableLayout.NR_FRAMES_OFFSET, (int) nrFrames);
        mem.setLong(a + GnttabSetupTableLayout.FRAME_LIST_OFFSET, listGpa);
        mem.setShort(a + GnttabSetupTableLayout.STATUS_OFFSET, (short) 0x7777);
        long rc = op(GrantTableOp.SETUP_TABLE, a, 1);
        return rc != 0 ? (int) rc : mem.getShort(a + GnttabSetupTableLayout.STATUS_OFFSET);
    }

    /** @return the status, or the negative hypercall result when the call itself failed */
    int getStatusFrames(int target, long nrFrames, long listGpa) {
        long a = scratch;
        mem.setInt(a + GnttabGetStatusFramesLayout.NR_FRAMES_OFFSET, (int) nrFrames);
        mem.setShort(a + GnttabGetStatusFramesLayout.DOM_OFFSET, (short) target);
        mem.setLong(a + GnttabGetStatusFramesLayout.FRAME_LIST_OFFSET, listGpa);
        mem.setShort(a + GnttabGetStatusFramesLayout.STATUS_OFFSET, (short) 0x7777);
        long rc = op(GrantTableOp.GET_STATUS_FRAMES, a, 1);
        return rc != 0 ? (int) rc : mem.getShort(a + GnttabGetStatusFramesLayout.STATUS_OFFSET);
    }

    /** @return the status, or the negative hypercall result when the call itself failed (-ENOSYS) */
    long swap(long refA, long refB) {
        long a = scratch;
        mem.setInt(a + GnttabSwapGrantRefLayout.REF_A_OFFSET, (int) refA);
        mem.setInt(a + GnttabSwapGrantRefLayout.REF_B_OFFSET, (int) refB);
        mem.setShort(a + GnttabSwapGrantRefLayout.STATUS_OFFSET, (short) 0x7777);
        long rc = op(GrantTableOp.SWAP_GRANT_REF, a, 1);
        return rc != 0 ? rc : mem.getShort(a + GnttabSwapGrantRefLayout.STATUS_OFFSET);
    }
}
