package io.pvkit.rings;

import io.pvkit.rings.spi.Notifier;

import java.lang.foreign.MemorySegment;

/**
 * The backend side of a shared request/response ring ({@code io/ring.h} {@code *_back_ring}):
 * it consumes requests and produces responses.
 *
 * <p>Lifecycle of one batch (the Linux blkback loop):
 * <ol>
 *   <li>{@link #pollRequests(RequestHandler, int)} reads {@code req_prod} once, validates it
 *       ({@code RING_REQUEST_PROD_OVERFLOW}), copies each request into private memory
 *       ({@code RING_COPY_REQUEST}) and hands the copy to the handler;</li>
 *   <li>{@link #putResponse(MemorySegment)} writes a response for a consumed request;</li>
 *   <li>{@link #pushResponses()} publishes them and says whether to notify the frontend;</li>
 *   <li>before sleeping, {@link #finalCheckForRequests()} arms {@code req_event} and re-checks.</li>
 * </ol>
 *
 * <p>Threading: single-threaded per ring side. The frontend is another thread or process.
 *
 * <p>Trust: the frontend is hostile. An overflowing or regressing {@code req_prod} puts the ring into
 * {@link RingState#BROKEN} and throws {@link RingBrokenException}; no slot is read beyond what the
 * responses have freed, and no request is handed out twice.
 */
public interface BackRing {

    /**
     * Receives one request.
     */
    @FunctionalInterface
    interface RequestHandler {
        /**
         * Called once per request, in ring order. The request is already consumed, so the handler
         * may {@link BackRing#putResponse(MemorySegment) put its response} right away.
         *
         * @param request a private copy of the request, valid only during this call
         */
        void onRequest(MemorySegment request);
    }

    /**
     * The ring type (entry sizes and id fields).
     *
     * @return the type
     */
    RingType type();

    /**
     * The number of slots ({@code RING_SIZE}), a power of two.
     *
     * @return the slot count
     */
    int size();

    /**
     * Whether the ring is usable.
     *
     * @return the state
     */
    RingState state();

    /**
     * Why the ring broke.
     *
     * @return the fault, or null while {@link RingState#ACTIVE}
     */
    RingFault fault();

    /**
     * Consumes up to {@code limit} requests.
     *
     * @param handler receives each request
     * @param limit the largest number of requests to consume in this call (bounds one round, RING-08)
     * @return the number consumed
     * @throws RingBrokenException when the frontend broke the protocol
     */
    int pollRequests(RequestHandler handler, int limit);

    /**
     * {@code RING_HAS_UNCONSUMED_REQUESTS}: the requests that may be consumed now, capped by the
     * slots that responses have freed; validates {@code req_prod}.
     *
     * @return the number of consumable requests
     * @throws RingBrokenException when {@code req_prod} is invalid
     */
    int unconsumedRequests();

    /**
     * {@code RING_FINAL_CHECK_FOR_REQUESTS}: if nothing is waiting, sets {@code req_event = req_cons + 1},
     * issues a full fence and checks again. When this returns false it is safe to sleep until notified.
     *
     * @return whether a request is waiting
     * @throws RingBrokenException when {@code req_prod} is invalid
     */
    boolean finalCheckForRequests();

    /**
     * Requests consumed but not yet answered.
     *
     * @return {@code req_cons - rsp_prod_pvt}
     */
    int pendingResponses();

    /**
     * Writes a response into the slot at {@code rsp_prod_pvt} (zeroing the rest of the slot) and advances
     * it. Visible to the frontend only at the next push.
     *
     * @param response at least {@code type().responseSize()} bytes
     * @throws IllegalStateException when no consumed request is waiting for a response
     * @throws RingBrokenException when the ring is broken
     */
    void putResponse(MemorySegment response);

    /**
     * {@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY}: publishes {@code rsp_prod} with release semantics,
     * issues a full fence, reads {@code rsp_event} and returns whether it lies in the window just
     * published.
     *
     * @return whether the frontend must be notified
     * @throws RingBrokenException when the ring is broken
     */
    boolean pushResponses();

    /**
     * {@link #pushResponses()}, then notifies when needed.
     *
     * @param notifier how to notify the frontend
     * @return whether a notification was sent
     */
    default boolean pushResponses(Notifier notifier) {
        boolean notify = pushResponses();
        if (notify) {
            notifier.notifyPeer();
        }
        return notify;
    }

    /**
     * The private request consumer index ({@code req_cons}).
     *
     * @return the index
     */
    int requestConsumerIndex();

    /**
     * The private response producer index ({@code rsp_prod_pvt}).
     *
     * @return the index
     */
    int responseProducerIndex();
}
