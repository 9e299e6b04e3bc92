package io.pvkit.guest.block;

import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.SharedFrontRing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One queue of a block frontend (Linux's {@code blkfront_ring_info}): a ring of {@code 2^order} granted
 * pages, an event channel, and the shadow of its outstanding requests indexed by the ring's id (the ring
 * keeps the free list of ids and refuses responses whose id is out of range or not outstanding).
 */
final class BlockQueue {
    final int index;
    final long ringGfn;
    final int ringPages;
    final int[] ringRefs;
    final int port;
    final SharedFrontRing ring;
    final BlockRequest[] shadow;
    /** Why the validator last rejected a response (for the device's error message). */
    String rejection;
    boolean dirty;
    /** Completes each response of this queue (set by the frontend at connect). */
    FrontRing.ResponseHandler completer;

    BlockQueue(int index, GuestMemory memory, long ringGfn, int ringPages, int[] ringRefs, int port) {
        this.index = index;
        this.ringGfn = ringGfn;
        this.ringPages = ringPages;
        this.ringRefs = ringRefs;
        this.port = port;
        GuestMemory area = GuestMemory.wrap(memory.slice(GuestMemory.gpaOf(ringGfn), (long) ringPages * GuestMemory.PAGE_SIZE));
        this.ring = SharedFrontRing.initialise(area, BlkifRequests.RING_TYPE, 0, this::accept);
        this.shadow = new BlockRequest[ring.size()];
    }

    /** The protocol checks on each response (a private copy): the operation is echoed, the status is known. */
    private boolean accept(MemorySegment request, MemorySegment response) {
        int asked = BlkifRequests.operation(request);
        // UNTRUSTED: the response is a private copy; each field is read once here
        int answered = Byte.toUnsignedInt(response.get(ValueLayout.JAVA_BYTE, BlkifResponseLayout.OPERATION_OFFSET));
        short status = response.get(ValueLayout.JAVA_SHORT, BlkifResponseLayout.STATUS_OFFSET);
        if (answered != asked) {
            rejection = "queue " + index + ": response operation " + answered + " answers a request of operation " + asked;
            return false;
        }
        if (status != BlkifResponseLayout.RSP_OKAY && status != BlkifResponseLayout.RSP_ERROR
                && status != BlkifResponseLayout.RSP_EOPNOTSUPP) {
            rejection = "queue " + index + ": response status " + status + " is not a BLKIF_RSP_* value";
            return false;
        }
        return true;
    }

    FrontRing ring() {
        return ring;
    }
}
