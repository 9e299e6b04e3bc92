package io.pvkit.rings;

import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.internal.RingMemory;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The backend side of a Xen shared ring over {@link MemoryAccess}: {@code BACK_RING_INIT} /
 * {@code BACK_RING_ATTACH} semantics, the consumer loop of Linux blkback with
 * {@code RING_COPY_REQUEST}, and {@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY} /
 * {@code RING_FINAL_CHECK_FOR_REQUESTS} exactly as {@code io/ring.h} defines them.
 *
 * <p>Ordering (see the package documentation for the pairing):
 * <ul>
 *   <li>{@code req_prod} is read with acquire, so the slot copies that follow see the request bytes
 *       the frontend wrote before its release store ({@code xen_rmb});</li>
 *   <li>responses are written with plain stores and published by a release store of {@code rsp_prod}
 *       ({@code xen_wmb}); then a full fence ({@code xen_mb}) separates that store from the read of
 *       {@code rsp_event};</li>
 *   <li>the final check stores {@code req_event}, issues a full fence and re-reads {@code req_prod}.</li>
 * </ul>
 *
 * <p>Hostile frontend: {@code req_prod} is read once per call into a local and validated against
 * {@code rsp_prod_pvt} (overflow) and {@code req_cons} (regression). Consumption never passes the
 * slots that responses have freed ({@code RING_REQUEST_CONS_OVERFLOW}). Every request is copied out
 * exactly once, and only the copy is handed to the caller. {@code req_event} and {@code rsp_prod} are
 * never read back: this side's own published index is kept privately.
 *
 * <p>Not thread-safe: one thread drives this side.
 */
public final class SharedBackRing extends RingPadding implements BackRing {
    private static final long REQ_PROD = SharedRingLayout.REQ_PROD_OFFSET;
    private static final long REQ_EVENT = SharedRingLayout.REQ_EVENT_OFFSET;
    private static final long RSP_PROD = SharedRingLayout.RSP_PROD_OFFSET;
    private static final long RSP_EVENT = SharedRingLayout.RSP_EVENT_OFFSET;

    private final RingMemory memory;
    private final RingType type;
    private final int size;
    private final int requestSize;
    private final int responseSize;
    private final int slotSize;
    private final MemorySegment requestCopy;
    private final MemorySegment requestView;

    private int requestConsumer;
    private int responseProducer;
    private int responseProducerPublished;
    private RingFault fault;
    private boolean polling;

    private SharedBackRing(MemoryAccess memory, RingType type, int startIndex) {
        this.memory = RingMemory.of(memory);
        this.type = Objects.requireNonNull(type, "type");
        this.size = type.slotCount(memory.byteSize());
        if (size == 0) {
            throw new IllegalArgumentException("no " + type.slotSize() + "-byte slot fits in " + memory.byteSize() + " bytes");
        }
        this.requestSize = type.requestSize();
        this.responseSize = type.responseSize();
        this.slotSize = type.slotSize();
        this.requestCopy = paddedBuffer(slotSize);
        this.requestView = requestCopy.asSlice(0, requestSize).asReadOnly();
        this.requestConsumer = startIndex;
        this.responseProducer = startIndex;
        this.responseProducerPublished = startIndex;
    }

    /**
     * {@code BACK_RING_INIT}: attaches to a ring the frontend initialised, with private indices 0.
     * The shared page is not touched.
     *
     * @param memory the ring area (one or more pages)
     * @param type the ring type
     * @return the back ring
     */
    public static SharedBackRing attach(MemoryAccess memory, RingType type) {
        return new SharedBackRing(memory, type, 0);
    }

    /**
     * {@code BACK_RING_ATTACH}: attaches with private indices {@code req_cons = rsp_prod_pvt = index}
     * (resuming a live ring, or a ring initialised at a non-zero index).
     *
     * @param memory the ring area
     * @param type the ring type
     * @param index the starting index
     * @return the back ring
     */
    public static SharedBackRing attach(MemoryAccess memory, RingType type, int index) {
        return new SharedBackRing(memory, type, index);
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
    public int pollRequests(RequestHandler handler, int limit) {
        Objects.requireNonNull(handler, "handler");
        ensureActive();
        if (polling) {
            throw new IllegalStateException("pollRequests is not re-entrant");
        }
        // UNTRUSTED: req_prod read once for the whole batch, validated before any slot is touched.
        // ORDERING: acquire; pairs with the frontend's release store of req_prod (xen_rmb).
        final int producer = memory.getIntAcquire(REQ_PROD);
        checkRequestProducer(producer);
        polling = true;
        int consumed = 0;
        try {
            int cons = requestConsumer;
            while (cons != producer && consumed < limit) {
                // RING_REQUEST_CONS_OVERFLOW: the slot still holds a request we have not answered.
                if (RingIndex.distance(responseProducer, cons) >= size) {
                    break;
                }
                // UNTRUSTED: one copy of the whole request into private memory (RING_COPY_REQUEST).
                memory.copyOut(type.slotOffset(cons, size), requestCopy, 0, requestSize);
                requestConsumer = ++cons;
                consumed++;
                handler.onRequest(requestView);
            }
        } finally {
            polling = false;
        }
        return consumed;
    }

    private void checkRequestProducer(int producer) {
        if (RingIndex.exceeds(responseProducer, producer, size)) {
            throw broken(RingFault.REQUEST_PROD_OVERFLOW, "req_prod=" + Integer.toUnsignedString(producer)
                    + " rsp_prod_pvt=" + Integer.toUnsignedString(responseProducer) + " size=" + size);
        }
        if (RingIndex.distance(responseProducer, requestConsumer) > RingIndex.distance(responseProducer, producer)) {
            throw broken(RingFault.REQUEST_PROD_REGRESSED, "req_prod=" + Integer.toUnsignedString(producer)
                    + " is behind req_cons=" + Integer.toUnsignedString(requestConsumer));
        }
    }

    @Override
    public int unconsumedRequests() {
        ensureActive();
        // UNTRUSTED: read once, validated.
        // ORDERING: volatile read; after a full fence in finalCheckForRequests this is the Dekker read.
        final int producer = memory.getIntVolatile(REQ_PROD);
        checkRequestProducer(producer);
        long available = RingIndex.distance(requestConsumer, producer);
        long freed = size - RingIndex.distance(responseProducer, requestConsumer);
        return (int) Math.min(available, freed);
    }

    @Override
    public boolean finalCheckForRequests() {
        if (unconsumedRequests() > 0) {
            return true;
        }
        // ORDERING: store req_event, full fence (StoreLoad, xen_mb), re-read req_prod; pairs with the
        // frontend's store req_prod, full fence, read req_event (no lost wake-up, RING-10).
        memory.setIntVolatile(REQ_EVENT, requestConsumer + 1);
        VarHandle.fullFence();
        return unconsumedRequests() > 0;
    }

    @Override
    public int pendingResponses() {
        return (int) RingIndex.distance(responseProducer, requestConsumer);
    }

    @Override
    public void putResponse(MemorySegment response) {
        ensureActive();
        if (response.byteSize() < responseSize) {
            throw new IllegalArgumentException("response has " + response.byteSize() + " bytes, need " + responseSize);
        }
        if (pendingResponses() == 0) {
            throw new IllegalStateException("no consumed request is waiting for a response");
        }
        long offset = type.slotOffset(responseProducer, size);
        memory.copyIn(response, 0, offset, responseSize);
        if (slotSize > responseSize) {
            // RING-07: nothing but the response goes back to the frontend.
            memory.zero(offset + responseSize, slotSize - responseSize);
        }
        responseProducer++;
    }

    @Override
    public boolean pushResponses() {
        ensureActive();
        final int oldProducer = responseProducerPublished;
        final int newProducer = responseProducer;
        // ORDERING: release (xen_wmb): the frontend sees the response slots before rsp_prod.
        memory.setIntRelease(RSP_PROD, newProducer);
        responseProducerPublished = newProducer;
        // ORDERING: full fence (xen_mb): rsp_prod is visible before we read rsp_event (StoreLoad).
        VarHandle.fullFence();
        // UNTRUSTED: rsp_event is a hint; any value only changes whether we notify.
        final int event = memory.getIntVolatile(RSP_EVENT);
        return RingIndex.eventInWindow(event, oldProducer, newProducer);
    }

    @Override
    public int requestConsumerIndex() {
        return requestConsumer;
    }

    @Override
    public int responseProducerIndex() {
        return responseProducer;
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
        return "SharedBackRing[" + type.name() + ", size=" + size + ", req_cons=" + Integer.toUnsignedString(requestConsumer)
                + ", rsp_prod_pvt=" + Integer.toUnsignedString(responseProducer) + ", " + state() + "]";
    }
}
