package io.pvkit.rings;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.IdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

import static io.pvkit.rings.TestRings.TYPE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RingWaits} over a real front/back pair on one page: the idle strategy is reset once, idled between checks
 * and never after the work arrived, the deadline ends a wait that finds nothing, and work that arrives before it
 * ends the wait with true. Deterministic: the "peer" acts from inside the idle strategy, on the test's thread.
 */
class RingWaitsTest {

    /** Counts resets and idles; on the {@code actAt}-th idle it runs {@code action}. */
    private static final class ScriptedIdle implements IdleStrategy {
        int resets;
        int idles;
        final int actAt;
        final Runnable action;

        ScriptedIdle(int actAt, Runnable action) {
            this.actAt = actAt;
            this.action = action;
        }

        @Override
        public void idle() {
            idles++;
            if (idles == actAt) {
                action.run();
            }
        }

        @Override
        public void reset() {
            resets++;
        }
    }

    private Arena arena;
    private SharedFrontRing front;
    private SharedBackRing back;

    @BeforeEach
    void pairOnOnePage() {
        arena = Arena.ofShared(); // shared: assertTimeoutPreemptively runs the wait on another thread
        GuestMemory page = GuestMemory.wrap(TestRings.page(arena, 1));
        front = SharedFrontRing.initialise(page, TYPE);
        back = SharedBackRing.attach(page, TYPE);
    }

    @AfterEach
    void release() {
        arena.close();
    }

    private static MemorySegment request() {
        return MemorySegment.ofArray(new byte[TestRings.REQUEST_SIZE]);
    }

    @Test
    void awaitRequestsIdlesUntilTheFrontendPushesThenReturnsTrue() {
        ScriptedIdle idle = new ScriptedIdle(3, () -> {
            front.putRequest(request());
            front.pushRequests();
        });
        boolean got = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> RingWaits.awaitRequests(back, idle, Duration.ofSeconds(2).toNanos()));
        assertTrue(got, "a request was pushed while waiting");
        assertEquals(1, idle.resets, "reset once at the start of the wait");
        assertEquals(3, idle.idles, "idled between the empty checks only");
        assertEquals(1, back.unconsumedRequests());
    }

    @Test
    void awaitResponsesIdlesUntilTheBackendPushesThenReturnsTrue() {
        front.putRequest(request());
        front.pushRequests();
        ScriptedIdle idle = new ScriptedIdle(4, () -> {
            back.pollRequests(req -> back.putResponse(TestRings.echo(req)), 1);
            back.pushResponses();
        });
        boolean got = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> RingWaits.awaitResponses(front, idle, Duration.ofSeconds(2).toNanos()));
        assertTrue(got, "a response was pushed while waiting");
        assertEquals(1, idle.resets);
        assertEquals(4, idle.idles);
        assertTrue(front.hasUnconsumedResponses());
    }

    @Test
    void workAlreadyWaitingNeedsNoIdleAndNoTime() {
        front.putRequest(request());
        front.pushRequests();
        ScriptedIdle idle = new ScriptedIdle(Integer.MAX_VALUE, () -> { });
        assertTrue(RingWaits.awaitRequests(back, idle, 0), "a request already waiting, even with no time at all");
        assertEquals(0, idle.idles);
        back.pollRequests(req -> back.putResponse(TestRings.echo(req)), 1);
        back.pushResponses();
        assertTrue(RingWaits.awaitResponses(front, idle, 0));
        assertEquals(0, idle.idles);
        assertEquals(2, idle.resets);
    }

    @Test
    void aWaitThatFindsNothingEndsAtItsDeadlineWithFalse() {
        long timeout = Duration.ofMillis(50).toNanos();
        for (boolean requests : new boolean[] {true, false}) {
            ScriptedIdle idle = new ScriptedIdle(Integer.MAX_VALUE, () -> { });
            long start = System.nanoTime();
            boolean got = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> requests
                    ? RingWaits.awaitRequests(back, idle, timeout)
                    : RingWaits.awaitResponses(front, idle, timeout));
            long took = System.nanoTime() - start;
            assertFalse(got, "nothing was pushed");
            assertTrue(took >= timeout, "returned after " + took + " ns, before the " + timeout + " ns deadline");
            assertTrue(idle.idles > 0, "idled while waiting");
        }
    }
}
