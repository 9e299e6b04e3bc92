package io.pvkit.xenbus.spi;

import java.util.concurrent.locks.LockSupport;

/**
 * How the ring transport sleeps while the xenstore ring page has no reply bytes (or no request space):
 * a guest blocks its vCPU until an event is pending ({@code SCHEDOP_block}; the store event channel
 * wakes it), a test parks for a while.
 *
 * <p>A waiter may return early (spuriously) as often as it likes: the transport re-checks the ring and the
 * deadline after every return. It should not sleep much past the deadline, but a guest's
 * {@code SCHEDOP_block} has no timeout: the hypervisor's own periodic wake-up then bounds the overshoot.
 */
@FunctionalInterface
public interface StoreWaiter {

    /**
     * Sleeps until xenstored may have notified, or until the deadline.
     *
     * @param deadlineNanos when to return at the latest ({@code System.nanoTime()} clock)
     */
    void await(long deadlineNanos);

    /**
     * A waiter that parks the calling thread for at most {@code maxParkNanos} at a time (for peers in the
     * same process that do not notify, and for tests).
     *
     * @param maxParkNanos the longest single park, at least 1
     * @return the waiter
     */
    static StoreWaiter parking(long maxParkNanos) {
        if (maxParkNanos < 1) {
            throw new IllegalArgumentException("maxParkNanos must be positive: " + maxParkNanos);
        }
        return deadline -> {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                LockSupport.parkNanos(Math.min(left, maxParkNanos));
            }
        };
    }
}
