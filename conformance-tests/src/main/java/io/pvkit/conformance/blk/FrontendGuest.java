package io.pvkit.conformance.blk;

import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.spi.DomainUnderTest;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frontend domain as the kit drives it: a guest of the hypervisor under test that sets up one grant-table
 * frame with {@code setup_table(DOMID_SELF, 1)}, writes its own grant entries raw through the
 * {@code grant_entry_v1} layout, revokes them with the protocol of {@code grant_table.h}, and allocates and
 * signals event channels through pv-abi's {@link GuestHypercalls} over {@link DomainUnderTest#hypercall}.
 *
 * <p>Memory use: frame 0 is left alone (platforms keep {@code shared_info} there), frame 1 is the hypercall
 * scratch area, and frames from 2 up to {@code frameLimit} (skipping the table frame {@code setup_table}
 * reported) are handed out by {@link #allocFrames(int)}, never reused within a test. Frames at and above
 * {@code frameLimit} (the top of the memory the kit asked for, and anything the platform added above it) are
 * never touched.
 */
final class FrontendGuest {
    /** The first grant reference the kit uses (Linux keeps 0..7 for the toolstack). */
    static final int FIRST_REF = 8;

    final DomainUnderTest dom;
    final GuestMemory mem;
    private final GuestHypercalls hypercalls;
    private final long tableFrame;
    private final int refLimit;
    private final Deque<Integer> freeRefs = new ArrayDeque<>();
    private int nextRef = FIRST_REF;
    private long nextFrame = 2;
    private final long frameLimit;
    /** Every reference ever granted in this test (BLK-19 checks none stays busy). */
    final Set<Integer> everGranted = new HashSet<>();

    FrontendGuest(DomainUnderTest dom, long frameLimit) {
        this.dom = dom;
        this.mem = dom.spec().memory();
        this.frameLimit = Math.min(frameLimit, mem.frames());
        this.hypercalls = new GuestHypercalls(
                (ctx, op, a1, a2, a3, a4, a5) -> dom.hypercall(ctx.vcpu(), op, a1, a2, a3, a4, a5),
                HypercallContext.of(dom.domid(), 0, dom.privileged(), mem), GuestMemory.gpaOf(1), GuestMemory.PAGE_SIZE);
        long[] frames = new long[1];
        long rc = hypercalls.setupTable(frames);
        assertEquals(0, rc, "setup_table(DOMID_SELF, 1) of the frontend domain must succeed");
        assertTrue(frames[0] >= 0 && frames[0] < mem.frames(), "setup_table reported frame " + frames[0]
                + " outside the frontend's memory");
        this.tableFrame = frames[0];
        this.refLimit = GrantEntryV1Layout.ENTRIES_PER_FRAME;
    }

    int domid() {
        return dom.domid();
    }

    /** Allocates {@code n} contiguous zeroed frames and returns the first. */
    long allocFrames(int n) {
        long first = nextFrame;
        if (first <= tableFrame && tableFrame < first + n) {
            first = tableFrame + 1;
        }
        if (first + n > frameLimit) {
            throw new IllegalStateException("the frontend domain ran out of frames (" + frameLimit + ")");
        }
        nextFrame = first + n;
        mem.fill(GuestMemory.gpaOf(first), (long) n * GuestMemory.PAGE_SIZE, (byte) 0);
        return first;
    }

    /** A grant reference whose entry is empty (flags 0): granted to nobody. */
    int allocRef() {
        Integer r = freeRefs.pollFirst();
        if (r != null) {
            return r;
        }
        if (nextRef >= refLimit) {
            throw new IllegalStateException("the frontend ran out of grant references (" + refLimit + ")");
        }
        return nextRef++;
    }

    private long entryGpa(int ref) {
        return GuestMemory.gpaOf(tableFrame) + (long) ref * GrantEntryV1Layout.SIZE;
    }

    /** Grants frame {@code gfn} to {@code grantee} as grant_table.h says: frame first, then flags with release. */
    int grant(int grantee, long gfn, boolean readOnly) {
        int ref = allocRef();
        long e = entryGpa(ref);
        mem.setInt(e + GrantEntryV1Layout.FRAME_OFFSET, (int) gfn);
        // ORDERING: release, so a backend that reads flags+domid with acquire sees the frame
        mem.setIntRelease(e + GrantEntryV1Layout.FLAGS_OFFSET,
                (grantee << 16) | GrantFlags.PERMIT_ACCESS | (readOnly ? GrantFlags.READONLY : 0));
        everGranted.add(ref);
        return ref;
    }

    /** The GTF_reading/GTF_writing bits of an entry. */
    int busy(int ref) {
        return mem.getIntVolatile(entryGpa(ref)) & (GrantFlags.READING | GrantFlags.WRITING);
    }

    /** The revoke protocol: a compare-and-swap of the flags to 0 that fails while the entry is in use. */
    boolean revoke(int ref) {
        long w = entryGpa(ref);
        int seen = mem.getIntVolatile(w);
        while ((seen & (GrantFlags.READING | GrantFlags.WRITING)) == 0) {
            int witness = mem.compareAndExchangeInt(w, seen, seen & 0xFFFF0000);
            if (witness == seen) {
                freeRefs.addLast(ref);
                return true;
            }
            seen = witness;
        }
        return false;
    }

    /** EVTCHNOP_alloc_unbound for {@code remote}; fails the test when the hypervisor refuses. */
    int allocUnbound(int remote) {
        long port = hypercalls.allocUnbound(remote);
        assertTrue(port > 0, "EVTCHNOP_alloc_unbound(remote " + remote + ") of the frontend failed: " + port);
        return (int) port;
    }

    /** EVTCHNOP_send. */
    void send(int port) {
        long rc = hypercalls.send(port);
        assertEquals(0, rc, "EVTCHNOP_send(" + port + ") of the frontend failed");
    }

    void fillPage(long gfn, byte value) {
        mem.fill(GuestMemory.gpaOf(gfn), GuestMemory.PAGE_SIZE, value);
    }

    byte[] page(long gfn) {
        byte[] b = new byte[GuestMemory.PAGE_SIZE];
        mem.read(GuestMemory.gpaOf(gfn), b, 0, b.length);
        return b;
    }

    void writePage(long gfn, byte[] bytes) {
        mem.write(GuestMemory.gpaOf(gfn), bytes, 0, GuestMemory.PAGE_SIZE);
    }
}
