package io.pvkit.rings;

import io.pvkit.abi.spi.IdleStrategy;

/**
 * Blocking helpers for callers without a notification wake-up (a peer in another process that polls,
 * tests, tools): each loops on the ring's final check, idling with an Agrona {@link IdleStrategy}
 * between attempts, until work arrives or the deadline passes.
 *
 * <p>The final check arms the event index before each re-check, so the peer's push also decides to
 * notify correctly while we wait; a caller that does receive notifications can use these loops with a
 * strategy that parks.
 */
public final class RingWaits {
    private RingWaits() {
    }

    /**
     * Waits until a request is consumable.
     *
     * @param ring the back ring
     * @param idle how to wait between checks
     * @param timeoutNanos how long to wait at most
     * @return true when a request is waiting, false on timeout
     * @throws RingBrokenException when the frontend breaks the ring meanwhile
     */
    public static boolean awaitRequests(BackRing ring, IdleStrategy idle, long timeoutNanos) {
        final long deadline = System.nanoTime() + timeoutNanos;
        idle.reset();
        while (!ring.finalCheckForRequests()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            idle.idle();
        }
        return true;
    }

    /**
     * Waits until a response is waiting.
     *
     * @param ring the front ring
     * @param idle how to wait between checks
     * @param timeoutNanos how long to wait at most
     * @return true when a response is waiting, false on timeout
     * @throws RingBrokenException when the backend breaks the ring meanwhile
     */
    public static boolean awaitResponses(FrontRing ring, IdleStrategy idle, long timeoutNanos) {
        final long deadline = System.nanoTime() + timeoutNanos;
        idle.reset();
        while (!ring.finalCheckForResponses()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            idle.idle();
        }
        return true;
    }
}
