package io.pvkit.conformance.ring;

import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingFault;
import io.pvkit.rings.RingState;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The second part of {@link FrontRingVerification} (extend that class, not this one): the frontend's counts and
 * indices and its state (RING-03, RING-08, RING-13, RING-26): free and outstanding requests across 2^32, a refused
 * put, the poll limit, a broken state that stays broken, a re-entered poll.
 */
public abstract class FrontRingStateVerification extends FrontRingHostileBackendVerification {

    /** For subclasses. */
    protected FrontRingStateVerification() {
    }

    /**
     * <a href="../../../../../RULES.md#ring-08">RING-08</a> (frontend side): with a full ring of responses
     * published, {@code pollResponses(handler, 3)} consumes exactly 3; the rest stays for later rounds.
     *
     * <p>If this fails, check: the response loop honours its per-round limit ({@code consumed < limit}).
     */
    @Test
    public void required_RING_08_responsePollHonoursItsLimit() {
        Fixture f = fixture(NEAR_WRAP);
        f.put(f.size, 1);
        f.ring.pushRequests();
        for (MemorySegment r : f.consume()) {
            f.respond(RingTestProtocol.answer(r));
        }
        for (int round = 1; round <= 2; round++) {
            int consumed = f.ring.pollResponses((id, r) -> f.completed.add(id), 3);
            assertEquals(3, consumed, "RING-08: pollResponses(handler, 3) with " + (f.size - 3 * (round - 1))
                    + " responses published returned " + consumed + "; one call must consume exactly min(limit, available)");
            assertEquals(3 * round, f.completed.size(), "RING-08: pollResponses(handler, 3) called the handler "
                    + (f.completed.size() - 3 * (round - 1)) + " times; the limit bounds the handler calls of one round");
            assertTrue(f.ring.hasUnconsumedResponses(), "RING-08: the responses beyond the limit must stay on the ring");
        }
        int rest = f.poll();
        assertEquals(f.size - 6, rest, "RING-08: the responses beyond the limits of two rounds must be consumed by the next");
    }

    /**
     * <a href="../../../../../RULES.md#ring-13">RING-13</a> (frontend side): the ring breaks on an overflowing
     * {@code rsp_prod}; then the backend restores a valid {@code rsp_prod} over a genuine response. Polling,
     * {@code hasUnconsumedResponses}, the final check, a put and a push must complete nothing, report no pending
     * work and leave the shared page as it is; {@code state()} stays {@code BROKEN}.
     *
     * A {@code RingBrokenException} thrown by one of them must name the ring's {@code fault()}.
     *
     * <p>If this fails, check: the fault is remembered and every operation checks it first (throwing
     * {@code RingBrokenException} with that fault); nothing clears it except a new ring.
     */
    @Test
    public void required_RING_13_frontendBrokenStateIsFinal() {
        Fixture f = fixture(NEAR_WRAP);
        assertEquals(RingState.ACTIVE, f.ring.state(), "RING-13: a healthy ring must report ACTIVE before anything broke it");
        assertNull(f.ring.fault(), "RING-13: fault() of a healthy ring must be null (it names why a ring broke)");
        f.put(1, 1);
        f.ring.pushRequests();
        List<MemorySegment> reqs = f.consume();
        f.put(1, 1);   // put, not yet pushed: a push on the broken ring must not publish it
        RingTestProtocol.setIntRelease(f.page, RSP_PROD, f.start + f.size + 1);
        RingVerificationSupport.assertBreaks("RING-13: rsp_prod RING_SIZE+1 ahead", f::poll, f.ring::state);
        RingFault fault = f.ring.fault();
        assertNotNull(fault, "RING-13: a broken ring must say why: fault() is null after the ring broke");
        RingTestProtocol.setIntRelease(f.page, RSP_PROD, f.start);
        f.respond(RingTestProtocol.answer(reqs.get(0)));
        int completedBefore = f.completed.size();
        byte[] before = f.page.toArray(ValueLayout.JAVA_BYTE);
        for (String action : List.of("pollResponses", "hasUnconsumedResponses", "finalCheckForResponses", "putRequest",
                "pushRequests")) {
            boolean[] work = {false};
            RingBrokenException thrown = null;
            try {
                switch (action) {
                    case "pollResponses" -> f.poll();
                    case "hasUnconsumedResponses" -> work[0] = f.ring.hasUnconsumedResponses();
                    case "finalCheckForResponses" -> work[0] = f.ring.finalCheckForResponses();
                    case "putRequest" -> f.ring.putRequest(RingTestProtocol.request(1, 99));
                    default -> f.ring.pushRequests();
                }
            } catch (RingBrokenException e) {
                thrown = e;
            }
            String what = "RING-13: " + action + "() on a broken ring after the backend restored a valid rsp_prod"
                    + (thrown == null ? " returned normally" : " threw RingBrokenException");
            if (thrown != null) {
                assertEquals(fault, thrown.fault(), what + " naming fault " + thrown.fault() + ", but the ring's fault() is "
                        + fault + ": the exception must name the fault the ring reports");
            }
            assertFalse(work[0], what + " and reported pending work: a broken ring reports none (throw "
                    + "RingBrokenException or answer false)");
            assertEquals(completedBefore, f.completed.size(), what + " and completed a response: BROKEN must be final");
            assertEquals(RingState.BROKEN, f.ring.state(), what + " and state() is no longer BROKEN: BROKEN must be final");
            assertEquals(fault, f.ring.fault(), what + " and fault() changed: the first fault is kept");
            assertArrayEquals(before, f.page.toArray(ValueLayout.JAVA_BYTE),
                    what + " and wrote to the shared page: a broken ring no longer touches shared memory");
        }
    }

    /**
     * <a href="../../../../../RULES.md#ring-03">RING-03</a> (frontend side): a full ring across 2^32 reports full,
     * refuses one more request, and round-trips exactly as from 0.
     *
     * Then a request one byte shorter than the type's is put: it must be refused and take no id and no slot.
     *
     * <p>If this fails, check: {@code RING_FREE_REQUESTS} with unsigned arithmetic; full is
     * {@code req_prod_pvt - rsp_cons == size}; {@code outstandingRequests()} and {@code requestProducerIndex()} count
     * requests put (pushed or not); {@code putRequest} checks the request's length before it takes an id.
     */
    @Test
    public void required_RING_03_frontendWrapAndFullRing() {
        List<List<Integer>> runs = new ArrayList<>();
        for (int start : new int[] {0, NEAR_WRAP}) {
            Fixture f = fixture(start);
            for (int round = 0; round < 3; round++) {
                String at = " (start " + Integer.toUnsignedString(start) + ", round " + round + ")";
                assertEquals(0, f.ring.outstandingRequests(), "RING-03: outstandingRequests() with every response consumed" + at);
                assertEquals(f.size, f.ring.freeRequests(), "RING-03: freeRequests() of an empty ring" + at);
                assertFalse(f.ring.isFull(), "RING-03: isFull() of an empty ring" + at);
                f.put(3, 1);
                assertEquals(3, f.ring.outstandingRequests(), "RING-03: outstandingRequests() after putting 3 requests, "
                        + "not yet pushed (req_prod_pvt - rsp_cons)" + at);
                assertEquals(f.size - 3, f.ring.freeRequests(), "RING-03: freeRequests() after putting 3 requests" + at);
                assertEquals(start + f.requests.size(), f.ring.requestProducerIndex(), "RING-03: requestProducerIndex() "
                        + "(req_prod_pvt) after putting 3 requests, not yet pushed: it counts every request put" + at);
                f.put(f.size - 3, 1);
                assertEquals(f.size, f.ring.outstandingRequests(), "RING-03: outstandingRequests() of a full ring" + at);
                assertTrue(f.ring.isFull(), "RING-03: isFull() of a full ring" + at);
                assertEquals(0, f.ring.freeRequests(), "a full ring has no free request");
                assertEquals(FrontRing.RING_FULL, f.ring.putRequest(RingTestProtocol.request(1, 1)),
                        "RING-03: putRequest on a full ring must return RING_FULL (start " + Integer.toUnsignedString(start) + ")");
                f.ring.pushRequests();
                List<MemorySegment> reqs = f.consume();
                assertEquals(f.size, reqs.size(), "a full ring must publish " + f.size + " requests");
                for (MemorySegment r : reqs) {
                    assertTrue(RingTestProtocol.intact(r), "RING-03: a published request is corrupt (start "
                            + Integer.toUnsignedString(start) + ")");
                    f.respond(RingTestProtocol.answer(r));
                }
                int polled = f.poll();
                assertEquals(f.size, polled, "RING-03: a full ring of responses (start " + Integer.toUnsignedString(start)
                        + ") must be consumed completely; got " + polled);
            }
            runs.add(f.completed);
        }
        assertEquals(runs.get(0), runs.get(1), "start 0xFFFFFFF0 behaved differently from start 0");
        refusedShortRequestTakesNoSlot();
    }

    /**
     * Two requests are put; a request one byte shorter than the type's must be refused (an exception other than
     * {@code RingBrokenException}) and take no id and no slot: the counts and {@code req_prod_pvt} stay, the ring stays
     * ACTIVE and then takes exactly the {@code freeRequests()} it reported.
     */
    private void refusedShortRequestTakesNoSlot() {
        Fixture f = fixture(NEAR_WRAP);
        f.put(2, 1);
        int free = f.ring.freeRequests();
        MemorySegment shortRequest = MemorySegment.ofArray(new byte[RingTestProtocol.REQUEST_SIZE - 1]);
        try {
            int id = f.ring.putRequest(shortRequest);
            fail("RING-03: putRequest of a " + (RingTestProtocol.REQUEST_SIZE - 1) + "-byte request (the type's requests have "
                    + RingTestProtocol.REQUEST_SIZE + " bytes) returned " + id + "; refuse it (IllegalArgumentException)");
        } catch (RingBrokenException e) {
            fail("RING-03: a short request is the caller's mistake, not the backend's: putRequest must not break the ring", e);
        } catch (RuntimeException refused) {
            // refused: nothing may have changed
        }
        String what = "RING-03: after putRequest refused a short request";
        assertEquals(RingState.ACTIVE, f.ring.state(), what + ", state()");
        assertEquals(free, f.ring.freeRequests(), what + ", freeRequests() changed: a refused put must take no id and no "
                + "slot (check the length before taking an id from the free list)");
        assertEquals(2, f.ring.outstandingRequests(), what + ", outstandingRequests()");
        assertEquals(NEAR_WRAP + 2, f.ring.requestProducerIndex(), what + ", requestProducerIndex() (req_prod_pvt)");
        for (int k = 0; k < free; k++) {
            MemorySegment r = RingTestProtocol.request(1, f.requests.size());
            int id = f.ring.putRequest(r);
            if (id == FrontRing.RING_FULL) {
                fail(what + ", the ring took only " + k + " of the " + free + " requests freeRequests() reported: the "
                        + "refused put leaked an id or a slot");
            }
            f.requests.add(r);
            f.putIds.add(id);
        }
        assertTrue(f.ring.isFull(), what + " and " + free + " more puts, isFull()");
        f.ring.pushRequests();
        assertEquals(f.size, f.consume().size(), what + ": the requests published");
    }
    /**
     * <a href="../../../../../RULES.md#ring-26">RING-26</a> (frontend side): six responses are published; the handler
     * of the first calls {@code pollResponses} again. The nested call may be refused ({@code IllegalStateException})
     * or consume responses itself; either way every response must be completed exactly once, in order.
     *
     * <p>If this fails, check: a response loop that keeps {@code rsp_cons} in a local must refuse a nested poll
     * (a re-entrancy flag), or re-read the private index after the handler returns.
     */
    @Test
    public void required_RING_26_reenteredResponsePollCompletesEachResponseOnce() {
        Fixture f = fixture(NEAR_WRAP);
        f.put(6, 1);
        f.ring.pushRequests();
        for (MemorySegment r : f.consume()) {
            f.respond(RingTestProtocol.answer(r));
        }
        List<Integer> completed = new ArrayList<>();
        String[] nested = {"not called"};
        int outer = RingVerificationSupport.survives(() -> f.ring.pollResponses((id, r) -> {
            completed.add(id);
            if (completed.size() == 1) {
                try {
                    int n = f.ring.pollResponses((innerId, inner) -> completed.add(innerId), Integer.MAX_VALUE);
                    nested[0] = "consumed " + n;
                } catch (IllegalStateException refused) {
                    nested[0] = "refused";
                }
            }
        }, Integer.MAX_VALUE)) ? completed.size() : -1;
        String what = "RING-26: pollResponses re-entered from its handler (the nested call " + nested[0]
                + (outer < 0 ? ", the outer call threw RingBrokenException" : "") + ")";
        assertEquals(f.putIds, completed, what + ": the ids completed, in order; each response exactly once");
        assertEquals(RingState.ACTIVE, f.ring.state(), what + ": genuine traffic must not break the ring");
        assertEquals(NEAR_WRAP + 6, f.ring.responseConsumerIndex(), what + ": rsp_cons after six responses");
    }
}
