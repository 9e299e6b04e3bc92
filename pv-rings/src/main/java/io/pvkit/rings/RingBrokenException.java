package io.pvkit.rings;

import java.io.Serial;

/**
 * Thrown when the peer broke the ring protocol, and by every later operation on that ring.
 * Nothing was processed beyond the last valid entry; the ring is in state {@link RingState#BROKEN}.
 *
 * <p>Deliberately not an {@link IllegalStateException} or {@link IllegalArgumentException}: those mean a
 * caller mistake (which leaves the ring usable); this means the peer misbehaved and the device is gone.
 */
public final class RingBrokenException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The fault. */
    private final RingFault fault;

    /**
     * Creates the exception.
     *
     * @param fault what the peer did
     * @param message the details (indices seen, limits)
     */
    public RingBrokenException(RingFault fault, String message) {
        super(fault + ": " + message);
        this.fault = fault;
    }

    /**
     * What the peer did.
     *
     * @return the fault
     */
    public RingFault fault() {
        return fault;
    }
}
