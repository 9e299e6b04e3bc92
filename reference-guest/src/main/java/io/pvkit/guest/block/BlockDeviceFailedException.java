package io.pvkit.guest.block;

import io.pvkit.rings.RingFault;

/**
 * The device is in {@link BlockDeviceState#FAILED} (the backend broke the protocol) or
 * {@link BlockDeviceState#CLOSED}: the request was not, or not completely, carried out, and the caller's
 * buffer of a read was not written.
 */
public final class BlockDeviceFailedException extends BlockDeviceException {
    private static final long serialVersionUID = 1L;

    private final transient RingFault fault;

    BlockDeviceFailedException(String message, RingFault fault, Throwable cause) {
        super(message, cause);
        this.fault = fault;
    }

    /**
     * The ring-level fault, when the backend broke the ring.
     *
     * @return the fault ({@link RingFault#RESPONSE_REJECTED} for a wrong operation or an unknown status),
     *     or null when the device failed for another reason (closed, handshake)
     */
    public RingFault fault() {
        return fault;
    }
}
