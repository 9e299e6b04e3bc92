package io.pvkit.conformance.ring;

import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.RingIndex;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * RING-15 on the backend side: the backend under test answers one request per round and pushes the
 * response ({@code pushResponses}) on its own thread, while the kit, as frontend on the test thread,
 * consumes responses and does {@code RING_FINAL_CHECK_FOR_RESPONSES} (store {@code rsp_event = rsp_cons + 1},
 * full fence, read {@code rsp_prod}) before "sleeping". A round in which the push of the pending response
 * returned without asking for a notification while the kit's final check found nothing is a lost wake-up.
 */
final class BackendWakeupRace {
    private static final long REQ_PROD = SharedRingLayout.REQ_PROD_OFFSET;
    private static final long RSP_PROD = SharedRingLayout.RSP_PROD_OFFSET;
    private static final long RSP_EVENT = SharedRingLayout.RSP_EVENT_OFFSET;
    /** A round that makes no progress for this long fails (a backend that never answers, not a slow one). */
    private static final long STALL_NANOS = 10_000_000_000L;

    /** What a run saw. */
    record Result(int lost, int firstLost, long wakes, Throwable backendError) {
    }

    private BackendWakeupRace() {
    }

    /**
     * Runs the race.
     *
     * @param ring the backend under test, attached at {@code start} to {@code page}
     * @param page the shared ring (initialised by the kit at {@code start})
     * @param start the start index
     * @param rounds how many requests
     * @param deadline {@code System.nanoTime()} after which the run fails
     * @return the lost wake-ups counted
     * @throws InterruptedException when interrupted while joining the backend's thread
     */
    static Result run(BackRing ring, MemorySegment page, int start, int rounds, long deadline) throws InterruptedException {
        final int size = ring.size();
        // wakes: notifications the backend's pushes asked for; pushed: responses whose push has returned
        AtomicLong wakes = new AtomicLong();
        AtomicInteger pushed = new AtomicInteger();
        AtomicReference<Throwable> backError = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread backend = Thread.ofPlatform().daemon().name("RING-15 backend").start(() -> {
            try {
                for (int k = 1; k <= rounds; k++) {
                    while (ring.pollRequests(r -> ring.putResponse(RingTestProtocol.answer(r)), Integer.MAX_VALUE) == 0) {
                        if (stop.get() || System.nanoTime() - deadline > 0) {
                            return;
                        }
                        Thread.onSpinWait();
                    }
                    if (ring.pushResponses()) {
                        wakes.incrementAndGet();
                    }
                    pushed.set(k);
                }
            } catch (Throwable t) {
                backError.set(t);
            }
        });
        int cons = start;
        int lost = 0;
        int firstLost = -1;
        try {
            for (int k = 1; k <= rounds && backError.get() == null; k++) {
                // the kit's frontend publishes request k (index start + k - 1)
                RingTestProtocol.writeRequest(page, size, start + k - 1, k, 1, k);
                RingTestProtocol.setIntRelease(page, REQ_PROD, start + k);
                long stalled = System.nanoTime() + STALL_NANOS;
                while (cons == start + k - 1 && backError.get() == null) {
                    if (System.nanoTime() - deadline > 0) {
                        fail("RING-15: " + (k - 1) + " of " + rounds + " rounds before the deadline");
                    }
                    if (System.nanoTime() - stalled > 0) {
                        fail("RING-15: the backend did not answer request " + k + " (index "
                                + Integer.toUnsignedString(start + k - 1) + ") within 10 s");
                    }
                    if (RingTestProtocol.getIntAcquire(page, RSP_PROD) != cons) {
                        cons++;
                        break;
                    }
                    long wakesBefore = wakes.get();
                    // RING_FINAL_CHECK_FOR_RESPONSES: arm, full fence, re-read
                    RingTestProtocol.setIntVolatile(page, RSP_EVENT, cons + 1);
                    VarHandle.fullFence();
                    if (RingTestProtocol.getInt(page, RSP_PROD) != cons) {
                        continue;
                    }
                    // asleep until a notification, or until the push of response k has returned without one
                    while (wakes.get() == wakesBefore && pushed.get() < k && backError.get() == null) {
                        if (System.nanoTime() - deadline > 0 || System.nanoTime() - stalled > 0) {
                            fail("RING-15: the backend did not push response " + k + " within 10 s");
                        }
                        Thread.onSpinWait();
                    }
                    if (wakes.get() == wakesBefore && pushed.get() >= k) {
                        lost++;
                        if (firstLost < 0) {
                            firstLost = k;
                        }
                    }
                }
            }
        } finally {
            stop.set(true);
            backend.join(10_000);
        }
        if (backError.get() == null && RingIndex.distance(start, cons) != rounds) {
            fail("RING-15: " + RingIndex.distance(start, cons) + " responses of " + rounds);
        }
        return new Result(lost, firstLost, wakes.get(), backError.get());
    }
}
