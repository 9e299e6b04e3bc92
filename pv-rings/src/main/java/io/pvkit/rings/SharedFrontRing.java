package io.pvkit.rings;

import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.internal.RingMemory;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The frontend side of a Xen shared ring over {@link MemoryAccess}: {@code XEN_FRONT_RING_INIT}
 * (which initialises the shared header, {@code SHARED_RING_INIT}) or {@code FRONT_RING_ATTACH},
 * {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY}, {@code RING_FINAL_CHECK_FOR_RESPONSES} and the
 * response loop of Linux blkfront with {@code RING_COPY_RESPONSE}.
 *
 * <p>Ordering: requests are written with plain stores and published by a release store of
 * {@code req_prod} ({@code xen_wmb}); a full fence ({@code xen_mb}) separates that store from the
 * read of {@code req_event}. {@code rsp_prod} is read with acquire before the response slots
 * ({@code xen_rmb}). The final check stores {@code rsp_event}, issues a full fence and re-reads.
 *
 * <p>Hostile backend: {@code rsp_prod} is read once per call and must lie within the requests
 * published and not yet answered (which implies {@code !RING_RESPONSE_PROD_OVERFLOW}). Each response
 * is copied out once; its id must be a shadow index in {@code [0, size)} whose request is outstanding,
 * and the {@link ResponseValidator} must accept it against the private shadow of the request.
 * Requests are never read back from the shared page. Any violation breaks the ring.
 *
 * <p>Not thread-safe: one thread drives this side.
 */
public final class SharedFrontRing extends RingPadding implements FrontRing {
    private static final long REQ_PROD = SharedRingLayout.REQ_PROD_OFFSET;
    private static final long REQ_EVENT = SharedRingLayout.REQ_EVENT_OFFSET;
    private static final long RSP_PROD = SharedRingLayout.RSP_PROD_OFFSET;
    private static final long RSP_EVENT = SharedRingLayout.RSP_EVENT_OFFSET;

    private final RingMemory memory;
    private final RingType type;
    private final ResponseValidator validator;
    private final int size;
    private final int requestSize;
    private final int responseSize;
    private final int slotSize;
    private final MemorySegment[] shadowSlots;
    private final MemorySegment[] shadowViews;
    private final boolean[] inFlight;
    private final int[] freeIds;
    private final MemorySegment responseCopy;
    private final MemorySegment responseView;

    private int freeIdCount;
    private int requestProducer;
    private int requestProducerPublished;
    private int responseConsumer;
    private RingFault fault;
    private boolean polling;

    private SharedFrontRing(MemoryAccess memory, RingType type, int startIndex, ResponseValidator validator) {
        this.memory = RingMemory.of(memory);
        this.type = Objects.requireNonNull(type, "type");
        this.validator = Objects.requireNonNull(validator, "validator");
        this.size = type.slotCount(memory.byteSize());
        if (size == 0) {
            throw new IllegalArgumentException("no " + type.slotSize() + "-byte slot fits in " + memory.byteSize() + " bytes");
        }
        checkIdWidth("request", type.requestId(), size);
        checkIdWidth("response", type.responseId(), size);
        this.requestSize = type.requestSize();
        this.responseSize = type.responseSize();
        this.slotSize = type.slotSize();
        MemorySegment shadow = paddedBuffer((long) size * requestSize);
        this.shadowSlots = new MemorySegment[size];
        this.shadowViews = new MemorySegment[size];
        for (int i = 0; i < size; i++) {
            shadowSlots[i] = shadow.asSlice((long) i * requestSize, requestSize);
            shadowViews[i] = shadowSlots[i].asReadOnly();
        }
        this.inFlight = new boolean[size];
        this.freeIds = new int[size];
        for (int i = 0; i < size; i++) {
            freeIds[i] = size - 1 - i;
        }
        this.freeIdCount = size;
        this.responseCopy = paddedBuffer(slotSize);
        this.responseView = responseCopy.asSlice(0, responseSize).asReadOnly();
        this.requestProducer = startIndex;
        this.requestProducerPublished = startIndex;
        this.responseConsumer = startIndex;
    }

    /** Shadow ids run from 0 to size-1: an id field too narrow for them would truncate them. */
    private static void checkIdWidth(String what, RingIdField field, int size) {
        if (field.width() < 8 && size > 1L << (8 * field.width())) {
            throw new IllegalArgumentException("a ring of " + size + " slots needs ids up to " + (size - 1)
                    + ", which do not fit the " + field.width() + "-byte " + what + " id field; use fewer pages");
        }
    }

    /**
     * {@code XEN_FRONT_RING_INIT}: initialises the shared header ({@code SHARED_RING_INIT}: producers 0,
     * events 1, padding zeroed) and attaches with private indices 0.
     *
     * @param memory the ring area (one or more pages)
     * @param type the ring type
     * @return the front ring
     */
    public static SharedFrontRing initialise(MemoryAccess memory, RingType type) {
        return initialise(memory, type, 0, ResponseValidator.ACCEPT_ALL);
    }

    /**
     * {@code SHARED_RING_INIT} moved to {@code index} (producers {@code index}, events {@code index + 1},
     * padding zeroed), then {@code FRONT_RING_ATTACH} at {@code index}. With 0 this is exactly
     * {@code XEN_FRONT_RING_INIT}; a value near 2^32 exercises index wrap.
     *
     * @param memory the ring area
     * @param type the ring type
     * @param index the starting index
     * @param validator the protocol checks on each response
     * @return the front ring
     */
    public static SharedFrontRing initialise(MemoryAccess memory, RingType type, int index, ResponseValidator validator) {
        SharedFrontRing ring = new SharedFrontRing(memory, type, index, validator);
        ring.initialiseHeader(index);
        return ring;
    }

    private void initialiseHeader(int index) {
        memory.zero(SharedRingLayout.PVT_OFFSET, SharedRingLayout.HEADER_SIZE - SharedRingLayout.PVT_OFFSET);
        memory.setIntVolatile(REQ_EVENT, index + 1);
        memory.setIntVolatile(RSP_EVENT, index + 1);
        memory.setIntVolatile(RSP_PROD, index);
        // ORDERING: req_prod last (volatile): a backend that sees it sees an initialised header.
        memory.setIntVolatile(REQ_PROD, index);
    }

    /**
     * {@code FRONT_RING_ATTACH}: attaches to a live ring with {@code req_prod_pvt = rsp_cons = index};
     * the shared page is not touched.
     *
     * @param memory the ring area
     * @param type the ring type
     * @param index the starting index
     * @param validator the protocol checks on each response
     * @return the front ring
     */
    public static SharedFrontRing attach(MemoryAccess memory, RingType type, int index, ResponseValidator validator) {
        return new SharedFrontRing(memory, type, index, validator);
    }

    @Override
    public RingType type() {
        return type;
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
        return fault;
    }

    @Override
    public int freeRequests() {
        // inside a response handler the id being answered is not free yet, though its slot is
        return Math.min(size - outstandingRequests(), freeIdCount);
    }

    @Override
    public int outstandingRequests() {
        return (int) RingIndex.distance(responseConsumer, requestProducer);
    }

    @Override
    public int putRequest(MemorySegment request) {
        ensureActive();
        if (request.byteSize() < requestSize) {
            throw new IllegalArgumentException("request has " + request.byteSize() + " bytes, need " + requestSize);
        }
        if (freeRequests() == 0) {
            return RING_FULL;
        }
        final int id = freeIds[--freeIdCount];
        final MemorySegment copy = shadowSlots[id];
        MemorySegment.copy(request, 0, copy, 0, requestSize);
        type.requestId().write(copy, id);
        inFlight[id] = true;
        long offset = type.slotOffset(requestProducer, size);
        memory.copyIn(copy, 0, offset, requestSize);
        if (slotSize > requestSize) {
            memory.zero(offset + requestSize, slotSize - requestSize);
        }
        requestProducer++;
        return id;
    }

    @Override
    public MemorySegment outstandingRequest(int id) {
        if (id < 0 || id >= size || !inFlight[id]) {
            throw new IllegalArgumentException("request id " + id + " is not outstanding");
        }
        return shadowViews[id];
    }

    @Override
    public boolean pushRequests() {
        ensureActive();
        final int oldProducer = requestProducerPublished;
        final int newProducer = requestProducer;
        // ORDERING: release (xen_wmb): the backend sees the request slots before req_prod.
        memory.setIntRelease(REQ_PROD, newProducer);
        requestProducerPublished = newProducer;
        // ORDERING: full fence (xen_mb): req_prod is visible before we read req_event (StoreLoad).
        VarHandle.fullFence();
        // UNTRUSTED: req_event is a hint; any value only changes whether we notify.
        final int event = memory.getIntVolatile(REQ_EVENT);
        return RingIndex.eventInWindow(event, oldProducer, newProducer);
    }

    @Override
    public int pollResponses(ResponseHandler handler, int limit) {
        Objects.requireNonNull(handler, "handler");
        ensureActive();
        if (polling) {
            throw new IllegalStateException("pollResponses is not re-entrant");
        }
        // UNTRUSTED: rsp_prod read once for the whole batch, validated before any slot is touched.
        // ORDERING: acquire; pairs with the backend's release store of rsp_prod (xen_rmb).
        final int producer = memory.getIntAcquire(RSP_PROD);
        checkResponseProducer(producer);
        polling = true;
        int consumed = 0;
        try {
            int cons = responseConsumer;
            while (cons != producer && consumed < limit) {
                // UNTRUSTED: one copy of the whole response (RING_COPY_RESPONSE); only the copy is parsed.
                memory.copyOut(type.slotOffset(cons, size), responseCopy, 0, responseSize);
                final long rawId = type.responseId().read(responseCopy);
                if (Long.compareUnsigned(rawId, size) >= 0) {
                    throw broken(RingFault.RESPONSE_ID_OUT_OF_RANGE, "response id " + Long.toUnsignedString(rawId)
                            + " at index " + Integer.toUnsignedString(cons) + " >= ring size " + size);
                }
                final int id = (int) rawId;
                if (!inFlight[id]) {
                    throw broken(RingFault.RESPONSE_ID_NOT_OUTSTANDING, "response id " + id + " at index "
                            + Integer.toUnsignedString(cons) + " names no outstanding request");
                }
                if (validator != ResponseValidator.ACCEPT_ALL && !validator.accept(shadowViews[id], responseView)) {
                    throw broken(RingFault.RESPONSE_REJECTED, "response id " + id + " at index "
                            + Integer.toUnsignedString(cons) + " rejected by the validator");
                }
                responseConsumer = ++cons;
                consumed++;
                try {
                    // the handler may look at its own request's shadow: the id is freed only afterwards
                    handler.onResponse(id, responseView);
                } finally {
                    inFlight[id] = false;
                    freeIds[freeIdCount++] = id;
                }
            }
        } finally {
            polling = false;
        }
        return consumed;
    }

    private void checkResponseProducer(int producer) {
        if (RingIndex.exceeds(responseConsumer, producer, size)) {
            throw broken(RingFault.RESPONSE_PROD_OVERFLOW, "rsp_prod=" + Integer.toUnsignedString(producer)
                    + " rsp_cons=" + Integer.toUnsignedString(responseConsumer) + " size=" + size);
        }
        if (RingIndex.distance(responseConsumer, producer) > RingIndex.distance(responseConsumer, requestProducerPublished)) {
            throw broken(RingFault.RESPONSE_PROD_BEYOND_REQUESTS, "rsp_prod=" + Integer.toUnsignedString(producer)
                    + " is beyond the published requests (req_prod=" + Integer.toUnsignedString(requestProducerPublished)
                    + ", rsp_cons=" + Integer.toUnsignedString(responseConsumer) + ")");
        }
    }

    @Override
    public boolean hasUnconsumedResponses() {
        ensureActive();
        // UNTRUSTED: read once, validated. ORDERING: volatile (the Dekker read after the final-check fence).
        final int producer = memory.getIntVolatile(RSP_PROD);
        checkResponseProducer(producer);
        return producer != responseConsumer;
    }

    @Override
    public boolean finalCheckForResponses() {
        if (hasUnconsumedResponses()) {
            return true;
        }
        // ORDERING: store rsp_event, full fence (StoreLoad, xen_mb), re-read rsp_prod; pairs with the
        // backend's store rsp_prod, full fence, read rsp_event.
        memory.setIntVolatile(RSP_EVENT, responseConsumer + 1);
        VarHandle.fullFence();
        return hasUnconsumedResponses();
    }

    @Override
    public int requestProducerIndex() {
        return requestProducer;
    }

    @Override
    public int responseConsumerIndex() {
        return responseConsumer;
    }

    private void ensureActive() {
        if (fault != null) {
            throw new RingBrokenException(fault, "ring is broken");
        }
    }

    private RingBrokenException broken(RingFault f, String message) {
        this.fault = f;
        return new RingBrokenException(f, message);
    }

    @Override
    public String toString() {
        return "SharedFrontRing[" + type.name() + ", size=" + size + ", req_prod_pvt=" + Integer.toUnsignedString(requestProducer)
                + ", rsp_cons=" + Integer.toUnsignedString(responseConsumer) + ", " + state() + "]";
    }
}
