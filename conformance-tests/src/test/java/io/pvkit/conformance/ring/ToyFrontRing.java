package io.pvkit.conformance.ring;

import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.MemoryCopies;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingFault;
import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingIndex;
import io.pvkit.rings.RingState;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Set;

/** A small, independent front ring for the self-tests; correct without flaws, one classic bug per {@link Flaw}. */
final class ToyFrontRing implements FrontRing {
    enum Flaw {
        NO_RSP_OVERFLOW_CHECK, NO_ID_RANGE_CHECK, NO_IN_FLIGHT_CHECK, NO_VALIDATOR, DOUBLE_FETCH_RESPONSE,
        READ_BACK_REQUEST, UNSIGNED_LONG_DIFFERENCE, HEADER_128, INIT_EVENT_AT_PROD, NOTIFY_INCLUSIVE, EVENT_PLUS_TWO,
        NO_RECHECK, REREAD_RSP_PROD, CHECK_OP_ONLY,
        /** Bounds rsp_prod by the requests put (req_prod_pvt) instead of those pushed. */
        ACCEPT_UNPUSHED,
        /** Forgets BROKEN when the peer's indices look valid again. */
        BROKEN_NOT_STICKY,
        /** Checks BROKEN when consuming, but still publishes put requests on a broken ring. */
        PUSHES_WHEN_BROKEN,
        /** Returns shadow indices but stamps a cookie (index + size) into the id field: not what the kit requires. */
        COOKIE_IDS,
        /** No full fence between the release store of req_prod and the read of req_event (lost wake-up). */
        PUSH_NO_FENCE,
        /** hasUnconsumedResponses() reads rsp_prod without validating it (nor checking BROKEN). */
        HAS_UNCONSUMED_UNCHECKED,
        /** hasUnconsumedResponses() validates rsp_prod but forgets to check BROKEN first. */
        REPORTS_WORK_WHEN_BROKEN,
        /** The final check arms rsp_event even when responses are already pending. */
        ARMS_WHEN_PENDING,
        /** pollResponses consumes one response more than its limit. */
        IGNORE_LIMIT,
        /** Validates every response against the request put last (one shadow buffer for all ids). */
        SHARED_SHADOW,
        /** outstandingRequests() counts only pushed requests (req_prod published - rsp_cons). */
        OUTSTANDING_PUSHED_ONLY,
        /** pushRequests(Notifier) notifies on every push, not only when the push asks for it. */
        NOTIFIER_ALWAYS,
        /** Writes and reads ids as 8 bytes whatever the id field's width. */
        WIDE_IDS,
        /** Accepts a ring with more slots than its id field can number (ids truncate). */
        NO_ID_WIDTH_CHECK,
        /** Breaks and stays BROKEN, but fault() never says why (always null). */
        FAULT_NOT_REPORTED,
        /** outstandingRequest(id) still hands out the shadow of a completed id. */
        STALE_SHADOW,
        /** The poll keeps its consumer index in a local with no re-entrancy guard: a nested poll's progress is lost. */
        STALE_LOCAL_INDEX,
        /** Accepts a ring area too small for one slot (a ring of 0 slots). */
        ACCEPTS_NO_SLOT,
        /** type() answers null. */
        TYPE_NOT_REPORTED,
        /** Takes an id from the free list before checking the request's length: a refused short put leaks the id. */
        LEAKS_ID_ON_SHORT_REQUEST,
        /** requestProducerIndex() answers the published req_prod, not req_prod_pvt. */
        REQ_INDEX_PUBLISHED,
        /** On a broken ring, later operations throw a RingBrokenException naming a fixed fault, not fault(). */
        EXCEPTION_NAMES_OTHER_FAULT,
        /** Writes and reads ids with the field's width but always at offset 0. */
        IDS_AT_OFFSET_ZERO,
        /** Writes and reads id fields narrower than 8 bytes as 2 bytes (right for netif's u16, wrong for u32 ids). */
        NARROW_IDS_AS_SHORT,
        /** Refuses a ring whose request id field cannot number its slots, but not one whose response id field cannot. */
        CHECKS_REQUEST_ID_WIDTH_ONLY,
        /** Refuses a ring whose response id field cannot number its slots, but not one whose request id field cannot. */
        CHECKS_RESPONSE_ID_WIDTH_ONLY,
        /** FRONT_RING_ATTACH initialises the shared header (SHARED_RING_INIT) instead of only its private state. */
        ATTACH_INITIALISES
    }

    private final MemoryAccess mem;
    private final RingType type;
    private final Set<Flaw> flaws;
    private final ResponseValidator validator;
    private final int size;
    private final long header;
    private final MemorySegment[] shadow;
    private final boolean[] inFlight;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final MemorySegment rsp;
    private MemorySegment lastPut;
    private int reqProdPvt;
    private int reqProdPublished;
    private int rspCons;
    private RingFault fault;

    ToyFrontRing(MemoryAccess mem, RingType type, int start, ResponseValidator validator, Set<Flaw> flaws, boolean attach) {
        this.mem = mem;
        this.type = type;
        this.validator = validator;
        this.flaws = flaws.isEmpty() ? EnumSet.noneOf(Flaw.class) : EnumSet.copyOf(flaws);
        this.header = has(Flaw.HEADER_128) ? 128 : 64;
        this.size = (int) Long.highestOneBit((mem.byteSize() - 64) / type.slotSize());
        if (size == 0 && !has(Flaw.ACCEPTS_NO_SLOT)) {
            throw new IllegalArgumentException("toy: no slot fits in " + mem.byteSize() + " bytes");
        }
        if (!has(Flaw.NO_ID_WIDTH_CHECK)) {
            if (!has(Flaw.CHECKS_RESPONSE_ID_WIDTH_ONLY)) {
                checkIdWidth(type.requestId().width());
            }
            if (!has(Flaw.CHECKS_REQUEST_ID_WIDTH_ONLY)) {
                checkIdWidth(type.responseId().width());
            }
        }
        this.shadow = new MemorySegment[size];
        this.inFlight = new boolean[size];
        for (int i = 0; i < size; i++) {
            free.add(i);
        }
        this.rsp = MemorySegment.ofArray(new long[(type.responseSize() + 7) / 8]);
        this.reqProdPvt = start;
        this.reqProdPublished = start;
        this.rspCons = start;
        if (attach && !has(Flaw.ATTACH_INITIALISES)) {
            return;   // FRONT_RING_ATTACH: private state only
        }
        for (long o = 16; o < 64; o += 4) {
            mem.setInt(o, 0);
        }
        int event = has(Flaw.INIT_EVENT_AT_PROD) ? start : start + 1;
        mem.setIntVolatile(SharedRingLayout.REQ_EVENT_OFFSET, event);
        mem.setIntVolatile(SharedRingLayout.RSP_EVENT_OFFSET, event);
        mem.setIntVolatile(SharedRingLayout.RSP_PROD_OFFSET, start);
        mem.setIntVolatile(SharedRingLayout.REQ_PROD_OFFSET, start);
    }

    private boolean has(Flaw f) {
        return flaws.contains(f);
    }

    private void checkIdWidth(int width) {
        if (width < 8 && size > 1L << (8 * width)) {
            throw new IllegalArgumentException("toy: " + size + " slots do not fit " + width + "-byte ids");
        }
    }

    /** Where this toy actually puts an id of {@code field} (the flaws misplace it). */
    private RingIdField idField(RingIdField field) {
        if (has(Flaw.IDS_AT_OFFSET_ZERO)) {
            return new RingIdField(0, field.width());
        }
        if (has(Flaw.NARROW_IDS_AS_SHORT) && field.width() < 8) {
            return new RingIdField(field.offset(), 2);
        }
        return field;
    }

    private long offset(int index) {
        return header + (long) (index & (size - 1)) * type.slotSize();
    }

    private long distance(int from, int to) {
        return has(Flaw.UNSIGNED_LONG_DIFFERENCE) ? Math.max(0, Integer.toUnsignedLong(to) - Integer.toUnsignedLong(from))
                : RingIndex.distance(from, to);
    }

    private RingBrokenException broken(RingFault f) {
        fault = f;
        return new RingBrokenException(f, "toy");
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
    public int freeRequests() {
        return (int) (size - distance(rspCons, reqProdPvt));
    }

    @Override
    public int outstandingRequests() {
        return (int) distance(rspCons, has(Flaw.OUTSTANDING_PUSHED_ONLY) ? reqProdPublished : reqProdPvt);
    }

    @Override
    public int putRequest(MemorySegment request) {
        ensureActive();
        if (request.byteSize() < type.requestSize() && !has(Flaw.LEAKS_ID_ON_SHORT_REQUEST)) {
            throw new IllegalArgumentException("toy: short request");
        }
        if (freeRequests() <= 0 || free.isEmpty()) {
            return RING_FULL;
        }
        int id = free.pop();
        MemorySegment c = MemorySegment.ofArray(new long[(type.requestSize() + 7) / 8]);
        MemorySegment.copy(request, 0, c, 0, type.requestSize());
        if (has(Flaw.WIDE_IDS)) {
            c.set(RingTestProtocol.U64, type.requestId().offset(), id);
        } else {
            idField(type.requestId()).write(c, has(Flaw.COOKIE_IDS) ? id + size : id);
        }
        shadow[id] = c;
        lastPut = c;
        inFlight[id] = true;
        MemoryCopies.copyIn(c, 0, mem, offset(reqProdPvt), type.requestSize());
        reqProdPvt++;
        return id;
    }

    @Override
    public MemorySegment outstandingRequest(int id) {
        if (id < 0 || id >= size || !inFlight[id] && !has(Flaw.STALE_SHADOW)) {
            throw new IllegalArgumentException("toy: id " + id + " is not outstanding");
        }
        return shadow[id].asReadOnly();
    }

    @Override
    public boolean pushRequests() {
        if (!has(Flaw.PUSHES_WHEN_BROKEN)) {
            ensureActive();
        }
        int old = reqProdPublished;
        int now = reqProdPvt;
        mem.setIntRelease(SharedRingLayout.REQ_PROD_OFFSET, now);
        reqProdPublished = now;
        if (!has(Flaw.PUSH_NO_FENCE)) {
            VarHandle.fullFence();
        }
        // with the flaw, the load below may pass the release store above (StoreLoad)
        int event = has(Flaw.PUSH_NO_FENCE) ? mem.getInt(SharedRingLayout.REQ_EVENT_OFFSET)
                : mem.getIntVolatile(SharedRingLayout.REQ_EVENT_OFFSET);
        int c = Integer.compareUnsigned(now - event, now - old);
        return has(Flaw.NOTIFY_INCLUSIVE) ? c <= 0 : c < 0;
    }

    @Override
    public boolean pushRequests(io.pvkit.rings.spi.Notifier notifier) {
        boolean notify = pushRequests();
        if (notify || has(Flaw.NOTIFIER_ALWAYS)) {
            notifier.notifyPeer();
        }
        return notify;
    }

    private void ensureActive() {
        if (fault != null && !has(Flaw.BROKEN_NOT_STICKY)) {
            throw new RingBrokenException(has(Flaw.EXCEPTION_NAMES_OTHER_FAULT) ? RingFault.RESPONSE_REJECTED : fault,
                    "toy broken");
        }
    }

    private void check(int prod) {
        ensureActive();
        if (has(Flaw.BROKEN_NOT_STICKY)) {
            fault = null;   // "the indices look fine again": the ring recovers by itself
        }
        int published = has(Flaw.ACCEPT_UNPUSHED) ? reqProdPvt : reqProdPublished;
        if (!has(Flaw.NO_RSP_OVERFLOW_CHECK)
                && (RingIndex.exceeds(rspCons, prod, size) || RingIndex.distance(rspCons, prod) > RingIndex.distance(rspCons, published))) {
            throw broken(RingFault.RESPONSE_PROD_OVERFLOW);
        }
    }

    @Override
    public int pollResponses(ResponseHandler handler, int limit) {
        int prod = mem.getIntAcquire(SharedRingLayout.RSP_PROD_OFFSET);
        check(prod);
        int done = 0;
        while (rspCons != prod && (done < limit || has(Flaw.IGNORE_LIMIT) && done == limit)) {
            if (has(Flaw.REREAD_RSP_PROD)) {
                prod = mem.getIntAcquire(SharedRingLayout.RSP_PROD_OFFSET);
                check(prod);
                if (rspCons == prod) {
                    break;
                }
            }
            MemoryCopies.copyOut(mem, offset(rspCons), rsp, 0, type.responseSize());
            long raw = (has(Flaw.WIDE_IDS) ? rsp.get(RingTestProtocol.U64, type.responseId().offset())
                    : idField(type.responseId()).read(rsp)) - (has(Flaw.COOKIE_IDS) ? size : 0);
            if (!has(Flaw.NO_ID_RANGE_CHECK) && Long.compareUnsigned(raw, size) >= 0) {
                throw broken(RingFault.RESPONSE_ID_OUT_OF_RANGE);
            }
            int id = (int) raw;
            if (!has(Flaw.NO_IN_FLIGHT_CHECK) && !inFlight[id]) {
                throw broken(RingFault.RESPONSE_ID_NOT_OUTSTANDING);
            }
            MemorySegment request = has(Flaw.SHARED_SHADOW) ? lastPut : shadow[id];
            if (has(Flaw.READ_BACK_REQUEST)) {
                request = MemorySegment.ofArray(new long[(type.requestSize() + 7) / 8]);
                MemoryCopies.copyOut(mem, offset(rspCons), request, 0, type.requestSize());
            }
            if (has(Flaw.CHECK_OP_ONLY)) {
                // checks the operation itself but not the len/status bounds
                if (request.get(RingTestProtocol.U32, RingTestProtocol.OP) != rsp.get(RingTestProtocol.U32, RingTestProtocol.OP)) {
                    throw broken(RingFault.RESPONSE_REJECTED);
                }
            } else if (!has(Flaw.NO_VALIDATOR) && !validator.accept(request, rsp.asSlice(0, type.responseSize()))) {
                throw broken(RingFault.RESPONSE_REJECTED);
            }
            if (has(Flaw.DOUBLE_FETCH_RESPONSE)) {
                MemoryCopies.copyOut(mem, offset(rspCons), rsp, 0, type.responseSize());
            }
            rspCons++;
            done++;
            final int local = rspCons;
            try {
                // the id stays outstanding while its handler runs (FrontRing.ResponseHandler)
                handler.onResponse(id, rsp.asSlice(0, type.responseSize()));
            } finally {
                if (inFlight[id]) {
                    inFlight[id] = false;
                    free.push(id);
                }
            }
            if (has(Flaw.STALE_LOCAL_INDEX)) {
                rspCons = local;   // the loop's own copy of rsp_cons wins over what a nested poll consumed
            }
        }
        return done;
    }

    @Override
    public boolean hasUnconsumedResponses() {
        int prod = mem.getIntVolatile(SharedRingLayout.RSP_PROD_OFFSET);
        if (has(Flaw.REPORTS_WORK_WHEN_BROKEN)) {
            RingFault remembered = fault;
            fault = null;
            try {
                check(prod);
            } finally {
                fault = fault == null ? remembered : fault;
            }
        } else if (!has(Flaw.HAS_UNCONSUMED_UNCHECKED)) {
            check(prod);
        }
        return prod != rspCons;
    }

    @Override
    public boolean finalCheckForResponses() {
        if (hasUnconsumedResponses() && !has(Flaw.ARMS_WHEN_PENDING)) {
            return true;
        }
        mem.setIntVolatile(SharedRingLayout.RSP_EVENT_OFFSET, rspCons + (has(Flaw.EVENT_PLUS_TWO) ? 2 : 1));
        VarHandle.fullFence();
        return !has(Flaw.NO_RECHECK) && hasUnconsumedResponses();
    }

    @Override
    public int requestProducerIndex() {
        return has(Flaw.REQ_INDEX_PUBLISHED) ? reqProdPublished : reqProdPvt;
    }

    @Override
    public int responseConsumerIndex() {
        return rspCons;
    }
}
