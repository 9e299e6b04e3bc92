package io.pvkit.conformance.ring;

import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.MemoryCopies;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingFault;
import io.pvkit.rings.RingIndex;
import io.pvkit.rings.RingState;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.EnumSet;
import java.util.Set;

/**
 * A small, independent back ring for the self-tests, written straight over the kit's view. With no
 * flaw it is correct (and passes the verification); each {@link Flaw} plants one classic bug.
 */
final class ToyBackRing implements BackRing {
    enum Flaw {
        NO_PROD_OVERFLOW_CHECK, REREAD_PROD_EACH_ENTRY, UNSIGNED_LONG_DIFFERENCE, DOUBLE_FETCH, READ_PROD_TWICE,
        REDELIVER_AFTER_HANDLER_EXCEPTION, NO_TAIL_ZERO, IGNORE_LIMIT, TRUST_REQ_EVENT, EVENT_PLUS_TWO,
        SPECULATIVE_COPY, NO_UNION_ROUNDING, ATTACH_INITIALISES, NOTIFY_INCLUSIVE, NO_RECHECK,
        /** Checks overflow but not a req_prod that moved behind req_cons. */
        NO_REGRESSION_CHECK,
        /** Forgets BROKEN when the peer's indices look valid again. */
        BROKEN_NOT_STICKY,
        /** No full fence between the release store of rsp_prod and the read of rsp_event (lost wake-up). */
        PUSH_NO_FENCE,
        /** Zeroes the slot's tail but never copies the response in (the request's bytes stay). */
        NO_RESPONSE_COPY,
        /** Checks BROKEN when consuming, but still answers and publishes responses on a broken ring. */
        ANSWERS_WHEN_BROKEN,
        /** The final check arms req_event even when requests are already pending. */
        ARMS_WHEN_PENDING,
        /** pushResponses(Notifier) notifies on every push, not only when the push asks for it. */
        NOTIFIER_ALWAYS,
        /** Breaks and stays BROKEN, but fault() never says why (always null). */
        FAULT_NOT_REPORTED,
        /** The poll keeps its consumer index in a local with no re-entrancy guard: a nested poll's progress is lost. */
        STALE_LOCAL_INDEX,
        /** Accepts a ring area too small for one slot (a ring of 0 slots). */
        ACCEPTS_NO_SLOT,
        /** putResponse writes a response even when every consumed request is answered. */
        ANSWERS_UNCONSUMED,
        /** responseProducerIndex() reports the published rsp_prod, not rsp_prod_pvt. */
        RSP_INDEX_PUBLISHED,
        /** type() answers null. */
        TYPE_NOT_REPORTED,
        /** Zeroes a response slot's tail in whole 8-byte words only (a 6-byte tail keeps request bytes). */
        TAIL_ZERO_IN_LONGS,
        /** On a broken ring, later operations throw a RingBrokenException naming a fixed fault, not fault(). */
        EXCEPTION_NAMES_OTHER_FAULT
    }

    private final MemoryAccess mem;
    private final RingType type;
    private final Set<Flaw> flaws;
    private final int size;
    private final int slot;
    private final MemorySegment copy;
    private final MemorySegment prefetched;
    private int prefetchedIndex;
    private boolean hasPrefetch;
    private int reqCons;
    private int rspProdPvt;
    private int rspProdPublished;
    private RingFault fault;

    ToyBackRing(MemoryAccess mem, RingType type, int start, Set<Flaw> flaws) {
        this.mem = mem;
        this.type = type;
        this.flaws = flaws.isEmpty() ? EnumSet.noneOf(Flaw.class) : EnumSet.copyOf(flaws);
        int max = Math.max(type.requestSize(), type.responseSize());
        this.slot = has(Flaw.NO_UNION_ROUNDING) ? max : type.slotSize();
        this.size = (int) Long.highestOneBit((mem.byteSize() - 64) / slot);
        if (size == 0 && !has(Flaw.ACCEPTS_NO_SLOT)) {
            throw new IllegalArgumentException("toy: no slot fits in " + mem.byteSize() + " bytes");
        }
        this.copy = MemorySegment.ofArray(new long[(slot + 7) / 8]);
        this.prefetched = MemorySegment.ofArray(new long[(slot + 7) / 8]);
        this.reqCons = start;
        this.rspProdPvt = start;
        this.rspProdPublished = start;
        if (has(Flaw.ATTACH_INITIALISES)) {
            mem.setIntVolatile(SharedRingLayout.REQ_PROD_OFFSET, 0);
            mem.setIntVolatile(SharedRingLayout.RSP_PROD_OFFSET, 0);
            mem.setIntVolatile(SharedRingLayout.REQ_EVENT_OFFSET, 1);
            mem.setIntVolatile(SharedRingLayout.RSP_EVENT_OFFSET, 1);
            mem.setIntVolatile(SharedRingLayout.PVT_OFFSET, 0);
        }
    }

    private boolean has(Flaw f) {
        return flaws.contains(f);
    }

    private long offset(int index) {
        return 64 + (long) (index & (size - 1)) * slot;
    }

    private long distance(int from, int to) {
        return has(Flaw.UNSIGNED_LONG_DIFFERENCE) ? Math.max(0, Integer.toUnsignedLong(to) - Integer.toUnsignedLong(from))
                : RingIndex.distance(from, to);
    }

    private RingBrokenException broken(RingFault f) {
        fault = f;
        return new RingBrokenException(f, "toy");
    }

    private void ensureActive() {
        if (fault != null && !has(Flaw.BROKEN_NOT_STICKY)) {
            throw new RingBrokenException(has(Flaw.EXCEPTION_NAMES_OTHER_FAULT) ? RingFault.STREAM_INDEX_CORRUPT : fault,
                    "toy broken");
        }
    }

    private void check(int prod) {
        ensureActive();
        if (has(Flaw.BROKEN_NOT_STICKY)) {
            fault = null;   // "the indices look fine again": the ring recovers by itself
        }
        if (!has(Flaw.NO_PROD_OVERFLOW_CHECK) && RingIndex.exceeds(rspProdPvt, prod, size)) {
            throw broken(RingFault.REQUEST_PROD_OVERFLOW);
        }
        if (!has(Flaw.NO_PROD_OVERFLOW_CHECK) && !has(Flaw.NO_REGRESSION_CHECK)
                && RingIndex.distance(rspProdPvt, reqCons) > RingIndex.distance(rspProdPvt, prod)) {
            throw broken(RingFault.REQUEST_PROD_REGRESSED);
        }
    }

    @Override
    public RingType type() {
        return has(Flaw.TYPE_NOT_REPORTED) ? null : type;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public RingState state() {
        return fault == null ? RingState.ACTIVE : RingState.BROKEN;
    }

    @Override
    public RingFault fault() {
        return has(Flaw.FAULT_NOT_REPORTED) ? null : fault;
    }

    @Override
    public int pollRequests(RequestHandler handler, int limit) {
        int prod = mem.getIntAcquire(SharedRingLayout.REQ_PROD_OFFSET);
        check(prod);
        if (has(Flaw.READ_PROD_TWICE)) {
            prod = mem.getIntAcquire(SharedRingLayout.REQ_PROD_OFFSET);
        }
        int done = 0;
        while (done < limit || has(Flaw.IGNORE_LIMIT)) {
            if (has(Flaw.REREAD_PROD_EACH_ENTRY)) {
                prod = mem.getIntAcquire(SharedRingLayout.REQ_PROD_OFFSET);
            } else if (distance(reqCons, prod) == 0) {
                break;
            }
            if (reqCons == prod) {
                break;
            }
            if (!has(Flaw.REREAD_PROD_EACH_ENTRY) && distance(rspProdPvt, reqCons) >= size) {
                break;
            }
            if (has(Flaw.SPECULATIVE_COPY) && hasPrefetch && prefetchedIndex == reqCons) {
                MemorySegment.copy(prefetched, 0, copy, 0, type.requestSize());
            } else {
                MemoryCopies.copyOut(mem, offset(reqCons), copy, 0, type.requestSize());
            }
            MemorySegment view = copy.asSlice(0, type.requestSize());
            if (has(Flaw.DOUBLE_FETCH)) {
                MemoryCopies.copyOut(mem, offset(reqCons), copy, 0, type.requestSize());
            }
            done++;
            reqCons++;
            final int local = reqCons;
            try {
                handler.onRequest(view);
                if (has(Flaw.STALE_LOCAL_INDEX)) {
                    reqCons = local;   // the loop's own copy of req_cons wins over what a nested poll consumed
                }
            } catch (RuntimeException e) {
                if (has(Flaw.REDELIVER_AFTER_HANDLER_EXCEPTION)) {
                    reqCons--;   // "retry later": the rejected request is delivered again
                }
                throw e;
            }
        }
        if (has(Flaw.SPECULATIVE_COPY)) {
            MemoryCopies.copyOut(mem, offset(reqCons), prefetched, 0, type.requestSize());
            prefetchedIndex = reqCons;
            hasPrefetch = true;
        }
        return done;
    }

    @Override
    public int unconsumedRequests() {
        int prod = mem.getIntVolatile(SharedRingLayout.REQ_PROD_OFFSET);
        check(prod);
        return (int) Math.min(distance(reqCons, prod), size - distance(rspProdPvt, reqCons));
    }

    @Override
    public boolean finalCheckForRequests() {
        if (has(Flaw.TRUST_REQ_EVENT)) {
            int event = mem.getIntVolatile(SharedRingLayout.REQ_EVENT_OFFSET);
            int prod = mem.getIntVolatile(SharedRingLayout.REQ_PROD_OFFSET);
            if (Integer.compareUnsigned(event - reqCons, prod - reqCons) > 0) {
                return false;
            }
        }
        if (unconsumedRequests() > 0 && !has(Flaw.ARMS_WHEN_PENDING)) {
            return true;
        }
        mem.setIntVolatile(SharedRingLayout.REQ_EVENT_OFFSET, reqCons + (has(Flaw.EVENT_PLUS_TWO) ? 2 : 1));
        VarHandle.fullFence();
        return !has(Flaw.NO_RECHECK) && unconsumedRequests() > 0;
    }

    @Override
    public int pendingResponses() {
        return (int) RingIndex.distance(rspProdPvt, reqCons);
    }

    @Override
    public void putResponse(MemorySegment response) {
        if (!has(Flaw.ANSWERS_WHEN_BROKEN)) {
            ensureActive();
        }
        if (pendingResponses() == 0 && !has(Flaw.ANSWERS_UNCONSUMED)) {
            throw new IllegalStateException("nothing to answer");
        }
        long off = offset(rspProdPvt);
        if (!has(Flaw.NO_RESPONSE_COPY)) {
            MemoryCopies.copyIn(response, 0, mem, off, type.responseSize());
        }
        if (!has(Flaw.NO_TAIL_ZERO) && slot > type.responseSize()) {
            int tail = slot - type.responseSize();
            if (has(Flaw.TAIL_ZERO_IN_LONGS)) {
                tail &= ~7;   // whole 8-byte words only: the last bytes of an odd tail keep the request's
            }
            MemoryCopies.copyIn(MemorySegment.ofArray(new byte[tail]), 0, mem, off + type.responseSize(), tail);
        }
        rspProdPvt++;
    }

    @Override
    public boolean pushResponses() {
        if (!has(Flaw.ANSWERS_WHEN_BROKEN)) {
            ensureActive();
        }
        int old = rspProdPublished;
        int now = rspProdPvt;
        mem.setIntRelease(SharedRingLayout.RSP_PROD_OFFSET, now);
        rspProdPublished = now;
        if (!has(Flaw.PUSH_NO_FENCE)) {
            VarHandle.fullFence();
        }
        // with the flaw, the load below may pass the release store above (StoreLoad)
        int event = has(Flaw.PUSH_NO_FENCE) ? mem.getInt(SharedRingLayout.RSP_EVENT_OFFSET)
                : mem.getIntVolatile(SharedRingLayout.RSP_EVENT_OFFSET);
        int c = Integer.compareUnsigned(now - event, now - old);
        return has(Flaw.NOTIFY_INCLUSIVE) ? c <= 0 : c < 0;
    }

    @Override
    public boolean pushResponses(io.pvkit.rings.spi.Notifier notifier) {
        boolean notify = pushResponses();
        if (notify || has(Flaw.NOTIFIER_ALWAYS)) {
            notifier.notifyPeer();
        }
        return notify;
    }

    @Override
    public int requestConsumerIndex() {
        return reqCons;
    }

    @Override
    public int responseProducerIndex() {
        return has(Flaw.RSP_INDEX_PUBLISHED) ? rspProdPublished : rspProdPvt;
    }
}
