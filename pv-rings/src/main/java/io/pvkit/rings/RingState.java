package io.pvkit.rings;

/**
 * The life of one side of a ring.
 */
public enum RingState {
    /** The ring is usable. */
    ACTIVE,
    /**
     * The peer broke the protocol ({@link RingFault}); the ring no longer touches shared memory and
     * every operation throws {@link RingBrokenException}. Recovery is a reconnect (a new ring).
     */
    BROKEN
}
