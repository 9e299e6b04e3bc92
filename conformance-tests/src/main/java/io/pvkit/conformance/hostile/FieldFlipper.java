package io.pvkit.conformance.hostile;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hostile peer thread that keeps rewriting one aligned 32-bit field of a real segment, alternating
 * between two values, until closed. It acts on code that reads a {@link MemorySegment} directly
 * (which {@link HostileMemory} cannot intercept): code that fetches the field twice eventually sees
 * both values within one operation, code that reads it once never does.
 * {@snippet :
 * try (FieldFlipper flipper = FieldFlipper.start(page, SharedRingLayout.REQ_PROD_OFFSET, 1, 0x7FFF_FFFF)) {
 *     // run the backend against page; it must act on one consistent value per batch
 * }
 * }
 */
public final class FieldFlipper implements AutoCloseable {

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle().withInvokeExactBehavior();

    private final Thread thread;
    private final AtomicLong flips = new AtomicLong();
    private volatile boolean running = true;

    private FieldFlipper(MemorySegment segment, long offset, int first, int second) {
        // ORDERING: volatile stores, so a reader on another thread sees each value promptly
        thread = Thread.ofPlatform().daemon().name("pvkit-field-flipper").start(() -> {
            boolean which = false;
            while (running) {
                INT.setVolatile(segment, offset, which ? second : first);
                which = !which;
                flips.incrementAndGet();
                Thread.onSpinWait();
            }
        });
    }

    /**
     * Starts flipping {@code segment[offset]} between {@code first} and {@code second}.
     *
     * @param segment a real segment shared with the code under test (must stay alive until close)
     * @param offset the field's offset (4-aligned)
     * @param first one value
     * @param second the other value
     * @return the running flipper; close it to stop the thread
     */
    public static FieldFlipper start(MemorySegment segment, long offset, int first, int second) {
        if ((offset & 3) != 0 || offset < 0 || offset + 4 > segment.byteSize()) {
            throw new IllegalArgumentException("offset must be a 4-aligned int inside the segment: " + offset);
        }
        return new FieldFlipper(segment, offset, first, second);
    }

    /**
     * How many stores the flipper has made so far.
     *
     * @return the count
     */
    public long flips() {
        return flips.get();
    }

    /** Stops the thread and waits for it. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
