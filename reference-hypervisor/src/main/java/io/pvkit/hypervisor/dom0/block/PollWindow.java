package io.pvkit.hypervisor.dom0.block;

import java.util.concurrent.TimeUnit;

/**
 * How long a queue worker keeps polling an empty ring before it re-arms {@code req_event} and parks: KVM's
 * halt-polling rule (and what vhost's busy-loop and NAPI's poll budget are for) applied to blkif. While the
 * worker polls without re-arming, {@code req_event} stays behind {@code req_prod}, so the frontend's
 * {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY} sends nothing: a saturated queue runs without notifications.
 *
 * <p>Adaptive and bounded: the window starts at the bound (a queue that just connected is assumed busy); after a park whose idle time (ring empty to next request)
 * was at most {@link #max()} it grows (doubles, at least {@value #GROW_START_NANOS} ns; a longer poll would
 * have caught that request), after a longer idle time it shrinks (halves; below the start value it is 0). A
 * poll that catches a request keeps the window. So an idle queue costs at most one window of polling per idle
 * period, and after a few long idle periods none at all; a queue whose frontend answers within the bound
 * polls instead of sleeping. {@code max} = 0 turns polling off (the behaviour before the window).
 *
 * <p>The bound comes from the system property {@value #PROPERTY} (microseconds, read when the queue connects;
 * default {@value #DEFAULT_MAX_MICROS}). Used by one queue (its worker thread) only.
 */
final class PollWindow {
    /** System property: the largest poll window in microseconds; 0 disables polling. */
    static final String PROPERTY = "pvkit.blkback.pollWindowMicros";
    /** The default bound (KVM's default {@code halt_poll_ns} is 200 µs). */
    static final long DEFAULT_MAX_MICROS = 200;
    /** The first non-zero window. */
    static final long GROW_START_NANOS = 10_000;
    /** The largest bound accepted from the property (10 ms). */
    private static final long LIMIT_MICROS = 10_000;

    private final long max;
    private long window;

    /**
     * @param maxNanos the bound, at least 0
     */
    PollWindow(long maxNanos) {
        if (maxNanos < 0) {
            throw new IllegalArgumentException("poll window bound must be at least 0: " + maxNanos);
        }
        this.max = maxNanos;
        this.window = maxNanos;
    }

    /** A window bounded by {@value #PROPERTY} (default {@value #DEFAULT_MAX_MICROS} µs; malformed: default). */
    static PollWindow fromProperty() {
        long micros = DEFAULT_MAX_MICROS;
        String v = System.getProperty(PROPERTY);
        if (v != null) {
            try {
                micros = Math.clamp(Long.parseLong(v.trim()), 0, LIMIT_MICROS);
            } catch (NumberFormatException e) {
                micros = DEFAULT_MAX_MICROS;
            }
        }
        return new PollWindow(TimeUnit.MICROSECONDS.toNanos(micros));
    }

    /** The bound in nanoseconds. */
    long max() {
        return max;
    }

    /** The current window in nanoseconds (0: do not poll). */
    long window() {
        return window;
    }

    /**
     * Adapts the window after a park.
     *
     * @param idleNanos from the ring going empty to the request that ended the park
     */
    void parked(long idleNanos) {
        if (idleNanos <= max) {
            window = Math.min(max, Math.max(GROW_START_NANOS, window * 2));
        } else {
            window = window / 2 < GROW_START_NANOS ? 0 : window / 2;
        }
    }
}
