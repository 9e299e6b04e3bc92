package io.pvkit.hypervisor.dom0.block;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GnttabCopyLayout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A batch of {@code GNTTABOP_copy} elements between one guest's grants and domain 0's own frames, issued by
 * one worker through its own scratch page ({@link WorkerCalls}, allocation-free). Elements are queued with
 * {@link #fromGuest}/{@link #toGuest} and performed by {@link #flush} in hypercalls of at most
 * {@value #OPS_PER_CALL} elements (what fits the one-page scratch area).
 *
 * <p>The hypervisor checks every element: the reference must be granted by the guest to domain 0, a
 * destination grant must be writable (a READ into a read-only grant fails here), offset + length must
 * stay inside the page. Any failed element fails the whole batch; the caller answers the request
 * {@code BLKIF_RSP_ERROR}.
 */
final class GrantCopier {
    /** The most elements one batch holds: 256 segments, each possibly split in two at a page boundary. */
    static final int MAX_OPS = 2 * 256 + 16;
    /** Elements per hypercall: 96 * 40 bytes fit a 4096-byte scratch page. */
    static final int OPS_PER_CALL = 96;
    private static final long SIZE = GnttabCopyLayout.SIZE;

    private final WorkerCalls calls;
    private final int guest;
    private final MemorySegment ops = MemorySegment.ofArray(new long[(int) (MAX_OPS * SIZE / 8)]);
    private int count;

    GrantCopier(WorkerCalls calls, int guest) {
        this.calls = calls;
        this.guest = guest;
    }

    /** Queues a copy from {@code guestOffset} of the guest's grant {@code gref} to domain 0's frame. */
    void fromGuest(int gref, int guestOffset, long dom0Gfn, int dom0Offset, int length) {
        long e = next();
        ops.set(ValueLayout.JAVA_INT, e + GnttabCopyLayout.SOURCE_U_REF_OFFSET, gref);
        ops.set(ValueLayout.JAVA_SHORT, e + GnttabCopyLayout.SOURCE_DOMID_OFFSET, (short) guest);
        ops.set(ValueLayout.JAVA_SHORT, e + GnttabCopyLayout.SOURCE_OFFSET_OFFSET, (short) guestOffset);
        ops.set(ValueLayout.JAVA_LONG, e + GnttabCopyLayout.DEST_U_GMFN_OFFSET, dom0Gfn);
        ops.set(ValueLayout.JAVA_SHORT, e + GnttabCopyLayout.DEST_DOMID_OFFSET, (short) DomId.SELF);
        ops.set(ValueLayout.JAVA_SHORT, e + GnttabCopyLayout.DEST_OFFSET_OFFSET, (short) dom0Offset);
        ops.set(ValueLayout.JAVA_SHORT, e + GnttabCopyLayout.LEN_OFFSET, (short) length);
        ops.set(ValueLayout.JAVA_SHORT, e + GnttabCopyLayout.FLAGS_OFFSET, (short) GntCopy.SOURCE_GREF);
    }

    /** Queues a copy from domain 0's frame to {@code guestOffset} of the guest's grant {@code gref}. */
    void toGuest(long dom0Gfn, int dom0Offset, int gref, int guestOffset, int length) {
        long e = next();
        ops.set(ValueLayout.JAVA_LONG, e + GnttabCopyLayout.SOURCE_U_GMFN_OFFSET, dom0Gfn);
        ops.set(ValueLayout.JAVA_SHORT, e + GnttabCopyLayout.SOURCE_DOMID_OFFSET, (short) DomId.SELF);
        ops.set(ValueLayout.JAVA_SHORT, e + GnttabCopyLayout.SOURCE_OFFSET_OFFSET, (short) dom0Offset);
        ops.set(ValueLayout.JAVA_INT, e + GnttabCopyLayout.DEST_U_REF_OFFSET, gref);
        ops.set(ValueLayout.JAVA_SHORT, e + GnttabCopyLayout.DEST_DOMID_OFFSET, (short) guest);
        ops.set(ValueLayout.JAVA_SHORT, e + GnttabCopyLayout.DEST_OFFSET_OFFSET, (short) guestOffset);
        ops.set(ValueLayout.JAVA_SHORT, e + GnttabCopyLayout.LEN_OFFSET, (short) length);
        ops.set(ValueLayout.JAVA_SHORT, e + GnttabCopyLayout.FLAGS_OFFSET, (short) GntCopy.DEST_GREF);
    }

    private long next() {
        if (count == MAX_OPS) {
            throw new IllegalStateException("copy batch full");
        }
        long e = count++ * SIZE;
        for (long b = 0; b < SIZE; b += Long.BYTES) {
            ops.set(ValueLayout.JAVA_LONG, e + b, 0); // padding and the unused half of each union stay zero
        }
        return e;
    }

    int queued() {
        return count;
    }

    /** Forgets the queued elements without performing them. */
    void discard() {
        count = 0;
    }

    /**
     * Performs every queued element and empties the batch.
     *
     * @return 0 when every element succeeded; otherwise the first failing hypercall result (negative errno)
     *     or element status ({@code GNTST_*}, negative)
     */
    int flush() {
        int n = count;
        count = 0;
        MemorySegment scratch = calls.scratch();
        for (int start = 0; start < n; start += OPS_PER_CALL) {
            int k = Math.min(OPS_PER_CALL, n - start);
            MemorySegment.copy(ops, start * SIZE, scratch, 0, k * SIZE);
            long rc = calls.grantCopy(k);
            if (rc != 0) {
                return (int) Math.min(-1, rc);
            }
            for (int i = 0; i < k; i++) {
                // the statuses the hypervisor wrote into the worker's own scratch page (domain 0's memory)
                short status = scratch.get(ValueLayout.JAVA_SHORT, i * SIZE + GnttabCopyLayout.STATUS_OFFSET);
                if (status != 0) {
                    return status;
                }
            }
        }
        return 0;
    }
}
