package io.pvkit.guest.block;

import java.time.Duration;
import java.util.Objects;

/**
 * What a block frontend asks for; the backend's offer caps each value ({@link BlockFeatures} is the result).
 *
 * @param ringPageOrder the ring size asked for, {@code 2^order} pages, 0..{@value #MAX_RING_PAGE_ORDER}
 * @param queues the number of queues (rings) asked for, 1..{@value #MAX_QUEUES}
 * @param indirect whether to use indirect requests when the backend offers them
 * @param persistent whether to offer persistent grants
 * @param queueDepth the most requests in flight over all queues (capped by the rings' slots), at least 1
 * @param timeout how long each handshake step may wait for the backend
 */
public record BlockFrontendOptions(int ringPageOrder, int queues, boolean indirect, boolean persistent,
                                   int queueDepth, Duration timeout) {
    /** The largest ring page order pvkit asks for (Linux's {@code XENBUS_MAX_RING_GRANT_ORDER}). */
    public static final int MAX_RING_PAGE_ORDER = 4;
    /** The most queues pvkit asks for. */
    public static final int MAX_QUEUES = 16;
    /** The most indirect segments pvkit uses per request (Linux's default {@code max_indirect_segments}). */
    public static final int MAX_INDIRECT_SEGMENTS = 256;

    /**
     * Validates the options.
     *
     * @param ringPageOrder 0..4
     * @param queues 1..16
     * @param indirect use indirect requests
     * @param persistent offer persistent grants
     * @param queueDepth at least 1
     * @param timeout positive
     */
    public BlockFrontendOptions {
        if (ringPageOrder < 0 || ringPageOrder > MAX_RING_PAGE_ORDER) {
            throw new IllegalArgumentException("ring page order must be 0.." + MAX_RING_PAGE_ORDER + ", got " + ringPageOrder);
        }
        if (queues < 1 || queues > MAX_QUEUES) {
            throw new IllegalArgumentException("queues must be 1.." + MAX_QUEUES + ", got " + queues);
        }
        if (queueDepth < 1) {
            throw new IllegalArgumentException("queue depth must be positive, got " + queueDepth);
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    /**
     * Everything on: order 4, 4 queues, indirect and persistent, queue depth 32, 10 s handshake timeout.
     *
     * @return the defaults
     */
    public static BlockFrontendOptions defaults() {
        return new BlockFrontendOptions(MAX_RING_PAGE_ORDER, 4, true, true, 32, Duration.ofSeconds(10));
    }
}
