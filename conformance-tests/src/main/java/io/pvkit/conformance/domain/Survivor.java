package io.pvkit.conformance.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.DomId;
import io.pvkit.abi.evtchn.EvtchnCloseLayout;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnStatusLayout;
import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.spi.DomainUnderTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One domain of a DOM rule, driven as a guest would: event channels through pv-abi's {@link GuestHypercalls},
 * its own grant entries written raw through the {@code grant_entry_v1} layout, map and unmap through
 * {@code grant_table_op}. Frame 1 is the hypercall scratch page; data frames are 2 and up (skipping the grant
 * table frame {@code setup_table} reports).
 */
final class Survivor {
    /** A map result: the element's status and handle. */
    record Mapped(int status, int handle) {
    }

    final DomainUnderTest dom;
    final GuestMemory mem;
    final GuestHypercalls calls;
    final long tableFrame;

    Survivor(DomainUnderTest dom) {
        this.dom = dom;
        this.mem = dom.spec().memory();
        assertTrue(mem.frames() >= 8, "DOM rules ask for domains of at least 8 frames");
        this.calls = new GuestHypercalls((ctx, op, a1, a2, a3, a4, a5) -> dom.hypercall(ctx.vcpu(), op, a1, a2, a3, a4, a5),
                HypercallContext.of(dom.domid(), 0, dom.privileged(), mem), GuestMemory.gpaOf(1), GuestMemory.PAGE_SIZE);
        long[] frames = new long[1];
        assertEquals(0, calls.setupTable(frames), "setup_table(DOMID_SELF, 1) of domain " + dom.domid() + " must succeed");
        assertTrue(frames[0] >= 0 && frames[0] < mem.frames(), "setup_table reported frame " + frames[0]
                + " outside the memory of domain " + dom.domid());
        this.tableFrame = frames[0];
    }

    int domid() {
        return dom.domid();
    }

    /** The i-th data frame (frames 2.. skipping the grant table frame). */
    long data(int i) {
        long f = 2 + i;
        return f >= tableFrame ? f + 1 : f;
    }

    // ------------------------------------------------------------------------------- event channels

    /** alloc_unbound for {@code remote}; returns the port or a negated errno. */
    int offer(Survivor remote) {
        return (int) calls.allocUnbound(remote.domid());
    }

    /** Connects this domain to {@code remote}: remote offers, this binds. Returns {local, remote} ports. */
    int[] connect(Survivor remote) {
        int offered = remote.offer(this);
        assertTrue(offered > 0, "alloc_unbound by domain " + remote.domid() + " for " + domid() + " returned " + offered);
        long local = calls.bindInterdomain(remote.domid(), offered);
        assertTrue(local > 0, "bind_interdomain of domain " + domid() + " to " + remote.domid() + ":" + offered
                + " returned " + local);
        return new int[] {(int) local, offered};
    }

    long send(int port) {
        return calls.send(port);
    }

    /** EVTCHNOP_status of one of this domain's ports: {rc, status, u.unbound.dom / u.interdomain.dom}. */
    int[] status(int port) {
        MemorySegment a = struct(EvtchnStatusLayout.LAYOUT);
        a.set(ValueLayout.JAVA_SHORT, EvtchnStatusLayout.DOM_OFFSET, (short) DomId.SELF);
        a.set(ValueLayout.JAVA_INT, EvtchnStatusLayout.PORT_OFFSET, port);
        long rc = calls.eventChannelOp(EvtchnOp.STATUS, a);
        return new int[] {(int) rc, a.get(ValueLayout.JAVA_INT, EvtchnStatusLayout.STATUS_OFFSET),
            Short.toUnsignedInt(a.get(ValueLayout.JAVA_SHORT, EvtchnStatusLayout.U_UNBOUND_DOM_OFFSET))};
    }

    long close(int port) {
        MemorySegment a = struct(EvtchnCloseLayout.LAYOUT);
        a.set(ValueLayout.JAVA_INT, EvtchnCloseLayout.PORT_OFFSET, port);
        return calls.eventChannelOp(EvtchnOp.CLOSE, a);
    }

    // ----------------------------------------------------------------------------------- grants

    private long entry(int ref) {
        return GuestMemory.gpaOf(tableFrame) + (long) ref * GrantEntryV1Layout.SIZE;
    }

    /** Grants data frame {@code gfn} to {@code grantee} (frame first, then flags and domid with release). */
    void grant(int ref, Survivor grantee, long gfn, boolean readOnly) {
        long e = entry(ref);
        mem.setInt(e + GrantEntryV1Layout.FRAME_OFFSET, (int) gfn);
        mem.setIntRelease(e + GrantEntryV1Layout.FLAGS_OFFSET,
                (grantee.domid() << 16) | GrantFlags.PERMIT_ACCESS | (readOnly ? GrantFlags.READONLY : 0));
    }

    /** GTF_reading | GTF_writing of entry {@code ref}. */
    int busy(int ref) {
        return mem.getIntVolatile(entry(ref)) & (GrantFlags.READING | GrantFlags.WRITING);
    }

    /** The revoke protocol of grant_table.h (compare-and-swap the flags to 0; fails while busy). */
    boolean revoke(int ref) {
        long w = entry(ref);
        int seen = mem.getIntVolatile(w);
        while ((seen & (GrantFlags.READING | GrantFlags.WRITING)) == 0) {
            int witness = mem.compareAndExchangeInt(w, seen, seen & 0xFFFF0000);
            if (witness == seen) {
                return true;
            }
            seen = witness;
        }
        return false;
    }

    /** One GNTTABOP_map_grant_ref element; a failed hypercall comes back as its (negative) status. */
    Mapped map(int granter, int ref, int flags, long hostAddr) {
        MemorySegment a = struct(GnttabMapGrantRefLayout.LAYOUT);
        a.set(ValueLayout.JAVA_LONG, GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, hostAddr);
        a.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.FLAGS_OFFSET, flags);
        a.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.REF_OFFSET, ref);
        a.set(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.DOM_OFFSET, (short) granter);
        a.set(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.STATUS_OFFSET, (short) 0x7777);
        a.set(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.HANDLE_OFFSET, -1);
        long rc = calls.grantTableOp(GrantTableOp.MAP_GRANT_REF, a);
        if (rc != 0) {
            return new Mapped((int) Math.min(-1, Math.max(rc, Integer.MIN_VALUE)), -1);
        }
        return new Mapped(a.get(ValueLayout.JAVA_SHORT, GnttabMapGrantRefLayout.STATUS_OFFSET),
                a.get(ValueLayout.JAVA_INT, GnttabMapGrantRefLayout.HANDLE_OFFSET));
    }

    /** One GNTTABOP_unmap_grant_ref element; returns its status (a failed hypercall: its negative result). */
    int unmap(int handle, long hostAddr) {
        MemorySegment a = struct(GnttabUnmapGrantRefLayout.LAYOUT);
        a.set(ValueLayout.JAVA_LONG, GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET, hostAddr);
        a.set(ValueLayout.JAVA_INT, GnttabUnmapGrantRefLayout.HANDLE_OFFSET, handle);
        a.set(ValueLayout.JAVA_SHORT, GnttabUnmapGrantRefLayout.STATUS_OFFSET, (short) 0x7777);
        long rc = calls.grantTableOp(GrantTableOp.UNMAP_GRANT_REF, a);
        return rc != 0 ? (int) Math.min(-1, Math.max(rc, Integer.MIN_VALUE))
                : a.get(ValueLayout.JAVA_SHORT, GnttabUnmapGrantRefLayout.STATUS_OFFSET);
    }

    private static MemorySegment struct(MemoryLayout layout) {
        return Arena.ofAuto().allocate(layout);
    }
}
