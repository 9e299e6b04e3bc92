package io.pvkit.rings;

import io.pvkit.rings.spi.Notifier;

import java.lang.foreign.MemorySegment;

/**
 * The frontend side of a shared request/response ring ({@code io/ring.h} {@code *_front_ring}):
 * it produces requests and consumes responses.
 *
 * <p>Lifecycle of one exchange:
 * <ol>
 *   <li>{@link #putRequest(MemorySegment)} copies a request into the next slot (not yet visible to
 *       the backend) and returns its id, a shadow index in {@code [0, size())} stamped into the
 *       request's id field;</li>
 *   <li>{@link #pushRequests()} publishes all put requests and says whether to notify the backend;</li>
 *   <li>{@link #pollResponses(ResponseHandler, int)} hands each response, copied into private memory
 *       and matched against the outstanding ids, to the handler;</li>
 *   <li>before sleeping, {@link #finalCheckForResponses()} arms {@code rsp_event} and re-checks.</li>
 * </ol>
 *
 * <p>Threading: single-threaded per ring side (one producer of requests, one consumer of responses,
 * the same thread or externally synchronised). The backend is another thread or process.
 *
 * <p>Trust: the backend is hostile. A response producer index beyond the outstanding requests, a
 * response id that is out of range or not outstanding, or a response the validator rejects puts the
 * ring into {@link RingState#BROKEN} and throws {@link RingBrokenException}; nothing after the bad
 * entry is consumed. Requests are never read back from the shared page (a private shadow is kept).
 */
public interface FrontRing {

    /** Returned by {@link #putRequest(MemorySegment)} when the ring is full. */
    int RING_FULL = -1;

    /**
     * Receives one response.
     */
    @FunctionalInterface
    interface ResponseHandler {
        /**
         * Called once per valid response, in ring order.
         *
         * <p>The response is already consumed ({@code rsp_cons} has moved past it), but its id stays
         * outstanding until the handler returns (or throws): {@link #outstandingRequest(int)} gives the
         * handler its own request's shadow, and a request put from inside the handler gets another id.
         *
         * @param id the id of the request this answers (freed, and reusable, once the handler returns)
         * @param response a private copy of the response, valid only during this call
         */
        void onResponse(int id, MemorySegment response);
    }

    /**
     * Decides whether a response fits its request (the protocol-level checks of a frontend, e.g. the
     * operation matches, a reported length fits the buffer). Called on private copies only.
     */
    @FunctionalInterface
    interface ResponseValidator {
        /** Accepts every response with a valid, outstanding id. */
        ResponseValidator ACCEPT_ALL = (request, response) -> true;

        /**
         * Whether the response is acceptable.
         *
         * @param request the private shadow of the request
         * @param response the private copy of the response
         * @return false to break the ring ({@link RingFault#RESPONSE_REJECTED})
         */
        boolean accept(MemorySegment request, MemorySegment response);
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
     * {@code RING_FREE_REQUESTS}: how many more requests may be put before the ring is full.
     *
     * @return {@code size - (req_prod_pvt - rsp_cons)}
     */
    int freeRequests();

    /**
     * {@code RING_FULL}.
     *
     * @return true when {@link #freeRequests()} is 0
     */
    default boolean isFull() {
        return freeRequests() == 0;
    }

    /**
     * The number of requests put and not yet answered.
     *
     * @return {@code req_prod_pvt - rsp_cons}
     */
    int outstandingRequests();

    /**
     * Copies a request into the next free slot (and into the private shadow), stamping its id.
     * The request becomes visible to the backend only at the next push.
     *
     * @param request at least {@code type().requestSize()} bytes; the id field is overwritten in the copies
     * @return the request's id in {@code [0, size())}, or {@link #RING_FULL}
     * @throws RingBrokenException when the ring is broken
     */
    int putRequest(MemorySegment request);

    /**
     * A private, read-only copy of an outstanding request, as it was put. Inside a
     * {@link ResponseHandler} the id being answered is still outstanding.
     *
     * @param id an outstanding id
     * @return the shadow copy
     * @throws IllegalArgumentException when {@code id} is not outstanding
     */
    MemorySegment outstandingRequest(int id);

    /**
     * {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY}: publishes {@code req_prod} with release semantics,
     * issues a full fence, reads {@code req_event} and returns whether it lies in the window just
     * published.
     *
     * @return whether the backend must be notified
     * @throws RingBrokenException when the ring is broken
     */
    boolean pushRequests();

    /**
     * {@link #pushRequests()}, then notifies when needed.
     *
     * @param notifier how to notify the backend
     * @return whether a notification was sent
     */
    default boolean pushRequests(Notifier notifier) {
        boolean notify = pushRequests();
        if (notify) {
            notifier.notifyPeer();
        }
        return notify;
    }

    /**
     * Consumes up to {@code limit} responses: reads {@code rsp_prod} once, validates it, and for each
     * entry copies the slot once into private memory, validates the id, and calls the handler.
     *
     * @param handler receives each response
     * @param limit the largest number of responses to consume
     * @return the number consumed
     * @throws RingBrokenException when the backend broke the protocol (entries before the bad one are consumed)
     */
    int pollResponses(ResponseHandler handler, int limit);

    /**
     * {@code RING_HAS_UNCONSUMED_RESPONSES} (as a boolean), validating {@code rsp_prod}.
     *
     * @return whether a response is waiting
     * @throws RingBrokenException when {@code rsp_prod} is invalid
     */
    boolean hasUnconsumedResponses();

    /**
     * {@code RING_FINAL_CHECK_FOR_RESPONSES}: if nothing is waiting, sets {@code rsp_event = rsp_cons + 1},
     * issues a full fence and checks again. When this returns false it is safe to sleep until notified.
     *
     * @return whether a response is waiting
     * @throws RingBrokenException when {@code rsp_prod} is invalid
     */
    boolean finalCheckForResponses();

    /**
     * The private request producer index ({@code req_prod_pvt}).
     *
     * @return the index
     */
    int requestProducerIndex();

    /**
     * The private response consumer index ({@code rsp_cons}).
     *
     * @return the index
     */
    int responseConsumerIndex();
}
