package io.pvkit.guest.block;

/**
 * Where a {@link BlockDevice} stands.
 */
public enum BlockDeviceState {
    /** Connected to its backend: requests are accepted. */
    CONNECTED,
    /**
     * The backend broke the protocol (a response for no outstanding request, a wrong operation, an unknown
     * status, a response producer beyond the requests): every outstanding and later request fails with
     * {@link BlockDeviceFailedException}; the device stays in this state until closed.
     */
    FAILED,
    /** Closed by the guest (or after the backend closed the device): requests are refused. */
    CLOSED
}
