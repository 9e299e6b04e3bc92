package io.pvkit.rings;

/**
 * Unsigned 32-bit arithmetic on free-running ring indices ({@code RING_IDX}, xenstore, console and
 * vchan indices). Indices are Java {@code int}s that wrap modulo 2^32; every comparison goes through
 * one of these named helpers, never through a signed {@code <}.
 */
public final class RingIndex {
    private RingIndex() {
    }

    /**
     * The number of entries from {@code from} up to {@code to}, modulo 2^32.
     *
     * @param from the earlier index (e.g. a consumer index)
     * @param to the later index (e.g. a producer index)
     * @return {@code (u32)(to - from)} as a non-negative long
     */
    public static long distance(int from, int to) {
        return Integer.toUnsignedLong(to - from);
    }

    /**
     * Whether {@code (u32)(to - from) > limit}: the overflow tests of {@code io/ring.h}
     * ({@code RING_REQUEST_PROD_OVERFLOW}, {@code RING_RESPONSE_PROD_OVERFLOW}).
     *
     * @param from the base index
     * @param to the index written by the peer
     * @param limit the largest legal distance
     * @return true when the distance exceeds the limit
     */
    public static boolean exceeds(int from, int to, long limit) {
        return distance(from, to) > limit;
    }

    /**
     * The notify decision of {@code RING_PUSH_*_AND_CHECK_NOTIFY}:
     * {@code (u32)(newProd - event) < (u32)(newProd - oldProd)}, which is true exactly when
     * {@code event} lies in {@code (oldProd, newProd]} modulo 2^32.
     *
     * @param event the peer's event index ({@code req_event} or {@code rsp_event})
     * @param oldProd the producer index published before this push
     * @param newProd the producer index just published
     * @return whether the peer asked to be notified for an index in this batch
     */
    public static boolean eventInWindow(int event, int oldProd, int newProd) {
        return Integer.compareUnsigned(newProd - event, newProd - oldProd) < 0;
    }

    /**
     * The slot that holds {@code index} in a ring of {@code size} slots.
     *
     * @param index a free-running index
     * @param size a power of two
     * @return {@code index & (size - 1)}
     */
    public static int slot(int index, int size) {
        return index & (size - 1);
    }
}
