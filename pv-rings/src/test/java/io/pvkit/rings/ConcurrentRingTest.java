package io.pvkit.rings;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.IdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static io.pvkit.rings.TestRings.TYPE;
import static io.pvkit.rings.TestRings.U32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Front and back on two threads that sleep (park) only after a negative final check and are woken only
 * by the peer's notification: a lost wake-up shows up as a park that times out while work is pending.
 */
class ConcurrentRingTest {
    private static final int COUNT = 200_000;
    private static final long PARK_NANOS = 2_000_000_000L;
    /** The whole exchange must finish within this (it takes well under a second on an idle machine). */
    private static final long DEADLINE_NANOS = 60_000_000_000L;

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldExchangeRequestsWithoutLostWakeupsAcrossIndexWrap() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment page = arena.allocate(4096, 4096);
            int start = 0xFFFFFFF0;
            SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE, start,
                    (req, rsp) -> req.get(U32, 12) == rsp.get(U32, 12));
            SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE, start);
            AtomicReference<Thread> frontThread = new AtomicReference<>();
            AtomicReference<Thread> backThread = new AtomicReference<>();
            AtomicLong timeouts = new AtomicLong();
            AtomicLong backNotifies = new AtomicLong();
            AtomicReference<Throwable> backError = new AtomicReference<>();
            AtomicBoolean stop = new AtomicBoolean();
            final long deadline = System.nanoTime() + DEADLINE_NANOS;
            Thread backend = Thread.ofPlatform().daemon().unstarted(() -> {
                try {
                    int served = 0;
                    while (served < COUNT && !stop.get()) {
                        served += back.pollRequests(r -> back.putResponse(TestRings.echo(r)), 64);
                        if (back.pushResponses()) {
                            backNotifies.incrementAndGet();
                            LockSupport.unpark(frontThread.get());
                        }
                        if (served < COUNT && !back.finalCheckForRequests()) {
                            long t0 = System.nanoTime();
                            LockSupport.parkNanos(PARK_NANOS);
                            if (System.nanoTime() - t0 >= PARK_NANOS && back.unconsumedRequests() > 0) {
                                timeouts.incrementAndGet();
                            }
                        }
                    }
                } catch (Throwable t) {
                    backError.set(t);
                }
            });
            backThread.set(backend);
            frontThread.set(Thread.currentThread());
            backend.start();
            SplittableRandom random = new SplittableRandom(99);
            int sent = 0;
            int received = 0;
            int[] bad = {0};
            // bounded: the frontend stops when the backend died or the deadline passed, so a lost wake-up or a
            // dead peer fails the test with a message instead of parking forever
            while (received < COUNT && backError.get() == null && System.nanoTime() - deadline < 0) {
                while (sent < COUNT && !front.isFull()) {
                    front.putRequest(TestRings.randomRequest(random));
                    sent++;
                }
                if (front.pushRequests()) {
                    LockSupport.unpark(backend);
                }
                received += front.pollResponses((id, rsp) -> bad[0] += rsp.get(U32, 8), 64);
                if (front.outstandingRequests() > 0 && !front.finalCheckForResponses()) {
                    long t0 = System.nanoTime();
                    LockSupport.parkNanos(PARK_NANOS);
                    if (System.nanoTime() - t0 >= PARK_NANOS && front.hasUnconsumedResponses()) {
                        timeouts.incrementAndGet();
                    }
                }
            }
            stop.set(true);
            LockSupport.unpark(backend);
            backend.join(10_000);
            assertFalse(backend.isAlive(), "the backend thread did not stop");
            assertNull(backError.get(), () -> "the backend failed: " + backError.get());
            assertEquals(COUNT, received, "responses received before the deadline (sent " + sent + ")");
            assertEquals(0, bad[0], "requests arrived corrupted");
            assertEquals(0, timeouts.get(), "a side slept through pending work (lost wake-up)");
            assertEquals(start + COUNT, front.requestProducerIndex());
            assertTrue(backNotifies.get() > 0);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldWaitWithIdleStrategyUntilWorkArrives() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment page = arena.allocate(4096, 4096);
            SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
            SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
            IdleStrategy idle = IdleStrategy.backoff(10, 10, 1_000, 1_000_000);
            assertEquals(false, RingWaits.awaitRequests(back, idle, 1_000_000L));
            Thread t = Thread.ofPlatform().start(() -> {
                front.putRequest(TestRings.randomRequest(new SplittableRandom(1)));
                front.pushRequests();
            });
            assertTrue(RingWaits.awaitRequests(back, idle, 10_000_000_000L));
            t.join(10_000);
            assertEquals(1, back.pollRequests(r -> back.putResponse(TestRings.echo(r)), 10));
            back.pushResponses();
            assertTrue(RingWaits.awaitResponses(front, idle, 10_000_000_000L));
        }
    }
}
