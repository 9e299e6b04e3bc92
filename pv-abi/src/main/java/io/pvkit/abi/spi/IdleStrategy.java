package io.pvkit.abi.spi;

import java.util.concurrent.locks.LockSupport;

/**
 * How a thread waits for work that another thread or process publishes in shared memory: pvkit's own
 * interface, with the shape of Agrona's {@code IdleStrategy} so that an Agrona strategy adapts in one
 * line ({@code IdleStrategy mine = agrona::idle} is not enough because of {@link #reset()}; see the
 * module README for the three-line adapter), without making Agrona part of pvkit's API.
 *
 * <p>Callers call {@link #idle(int)} after each unit of polling with the amount of work it found, and
 * {@link #reset()} after work was done. Implementations are not thread-safe: one per waiting thread.
 */
public interface IdleStrategy {
    /**
     * Idles if {@code workCount} is zero, otherwise resets.
     *
     * @param workCount the work done in the last duty cycle
     */
    default void idle(int workCount) {
        if (workCount > 0) {
            reset();
        } else {
            idle();
        }
    }

    /** Idles once: spin, yield or park, as the strategy decides. */
    void idle();

    /** Resets the strategy's internal state after work was done. */
    void reset();

    /**
     * A strategy that only spins ({@link Thread#onSpinWait()}): lowest latency, one core per waiter.
     *
     * @return a new strategy
     */
    static IdleStrategy busySpin() {
        return new IdleStrategy() {
            @Override
            public void idle() {
                Thread.onSpinWait();
            }

            @Override
            public void reset() {
            }
        };
    }

    /**
     * A strategy that spins {@code spins} times, then yields {@code yields} times, then parks for
     * between {@code minParkNanos} and {@code maxParkNanos}, doubling each time.
     *
     * @param spins the number of spins before yielding
     * @param yields the number of yields before parking
     * @param minParkNanos the first park duration
     * @param maxParkNanos the longest park duration
     * @return a new strategy
     * @throws IllegalArgumentException on a negative count or {@code 0 < minParkNanos <= maxParkNanos} violated
     */
    static IdleStrategy backoff(int spins, int yields, long minParkNanos, long maxParkNanos) {
        if (spins < 0 || yields < 0 || minParkNanos <= 0 || maxParkNanos < minParkNanos) {
            throw new IllegalArgumentException("bad backoff parameters");
        }
        return new IdleStrategy() {
            private long count;
            private long park = minParkNanos;

            @Override
            public void idle() {
                if (count < spins) {
                    count++;
                    Thread.onSpinWait();
                } else if (count < (long) spins + yields) {
                    count++;
                    Thread.yield();
                } else {
                    LockSupport.parkNanos(park);
                    park = Math.min(park * 2, maxParkNanos);
                }
            }

            @Override
            public void reset() {
                count = 0;
                park = minParkNanos;
            }
        };
    }
}
