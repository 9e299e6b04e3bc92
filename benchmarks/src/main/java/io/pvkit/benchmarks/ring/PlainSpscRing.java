package io.pvkit.benchmarks.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A plain SPSC baseline: the same page layout as io/ring.h (indices at 0 and 8, 64-byte slots from
 * byte 64), release/acquire publication once per batch ({@link #publish()} after a run of
 * {@link #put}), copies into private memory, and nothing else (no overflow or id checks, no event
 * indices, no full fences). Not safe against a hostile peer; a baseline only.
 */
final class PlainSpscRing {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    static final int SLOT = 64;
    private final MemorySegment page;
    private final int mask;
    private int reqProd;
    private int rspCons;
    private int reqCons;
    private int rspProd;

    PlainSpscRing(MemorySegment page) {
        this.page = page;
        this.mask = (int) Long.highestOneBit((page.byteSize() - 64) / SLOT) - 1;
    }

    int size() {
        return mask + 1;
    }

    boolean put(MemorySegment request) {
        if (reqProd - rspCons == mask + 1) {
            return false;
        }
        MemorySegment.copy(request, 0, page, 64 + (long) (reqProd & mask) * SLOT, SLOT);
        reqProd++;
        return true;
    }

    /** Publishes the requests put since the last call (one release store per batch). */
    void publish() {
        INT.setRelease(page, 0L, reqProd);
    }

    int pollResponses(MemorySegment into) {
        int prod = (int) INT.getAcquire(page, 8L);
        int n = 0;
        while (rspCons != prod) {
            MemorySegment.copy(page, 64 + (long) (rspCons & mask) * SLOT, into, 0, 16);
            rspCons++;
            n++;
        }
        return n;
    }

    int serve(MemorySegment scratch) {
        int prod = (int) INT.getAcquire(page, 0L);
        int n = 0;
        while (reqCons != prod) {
            long off = 64 + (long) (reqCons & mask) * SLOT;
            MemorySegment.copy(page, off, scratch, 0, SLOT);
            reqCons++;
            MemorySegment.copy(scratch, 0, page, 64 + (long) (rspProd & mask) * SLOT, 16);
            rspProd++;
            n++;
        }
        if (n > 0) {
            INT.setRelease(page, 8L, rspProd);
        }
        return n;
    }
}
