package io.pvkit.rings;

import io.pvkit.rings.spi.SharedMemory;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static io.pvkit.rings.TestRings.TYPE;
import static io.pvkit.rings.TestRings.U32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Front and back on two threads that sleep (park) only after a negative final check and are woken only
 * by the peer's notification: a lost wake-up shows up as a park that times out while work is pending.
 */
class ConcurrentRingTest {
    private static final int COUNT = 200_000;
    private static final long PARK_NANOS = 2_000_000_000L;

    @Test
    void shouldExchangeRequestsWithoutLostWakeupsAcrossIndexWrap() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment page = arena.allocate(4096, 4096);
            int start = 0xFFFFFFF0;
            SharedFrontRing front = SharedFrontRing.initialise(SharedMemory.of(page), TYPE, start,
                    (req, rsp) -> req.get(U32, 12) == rsp.get(U32, 12));
            SharedBackRing back = SharedBackRing.attach(SharedMemory.of(page), TYPE, start);
            AtomicReference<Thread> frontThread = new AtomicReference<>();
            AtomicReference<Thread> backThread = new AtomicReference<>();
            AtomicLong timeouts = new AtomicLong();
            AtomicLong backNotifies = new AtomicLong();
            AtomicReference<Throwable> backError = new AtomicReference<>();
            Thread backend = Thread.ofPlatform().unstarted(() -> {
                try {
                    int served = 0;
                    while (served < COUNT) {
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
            while (received < COUNT) {
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
            backend.join(10_000);
            assertNull(backError.get());
            assertEquals(0, bad[0], "requests arrived corrupted");
            assertEquals(0, timeouts.get(), "a side slept through pending work (lost wake-up)");
            assertEquals(start + COUNT, front.requestProducerIndex());
            assertTrue(backNotifies.get() > 0);
        }
    }

    @Test
    void shouldWaitWithIdleStrategyUntilWorkArrives() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment page = arena.allocate(4096, 4096);
            SharedFrontRing front = SharedFrontRing.initialise(SharedMemory.of(page), TYPE);
            SharedBackRing back = SharedBackRing.attach(SharedMemory.of(page), TYPE);
            BackoffIdleStrategy idle = new BackoffIdleStrategy();
            assertEquals(false, RingWaits.awaitRequests(back, idle, 1_000_000L));
            Thread t = Thread.ofPlatform().start(() -> {
                front.putRequest(TestRings.randomRequest(new SplittableRandom(1)));
                front.pushRequests();
            });
            assertTrue(RingWaits.awaitRequests(back, idle, 10_000_000_000L));
            t.join();
            assertEquals(1, back.pollRequests(r -> back.putResponse(TestRings.echo(r)), 10));
            back.pushResponses();
            assertTrue(RingWaits.awaitResponses(front, idle, 10_000_000_000L));
        }
    }
}
