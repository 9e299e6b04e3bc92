package io.pvkit.conformance.ring;

import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingFault;
import io.pvkit.rings.RingIndex;
import io.pvkit.rings.RingState;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static io.pvkit.conformance.ring.RingTestProtocol.OP;
import static io.pvkit.conformance.ring.RingTestProtocol.U32;
import static io.pvkit.conformance.ring.RingTestProtocol.U64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The second part of {@link BackRingVerification} (extend that class, not this one): the backend's counts and indices
 * and its state (RING-03, RING-06, RING-08, RING-13, RING-26, RING-27): wrap at 2^32, a rejected request, the poll
 * limit, a broken state that stays broken, a re-entered poll, no response for an unconsumed request.
 */
public abstract class BackRingStateVerification extends BackRingHostileFrontendVerification {

    /** For subclasses. */
    protected BackRingStateVerification() {
    }

    /**
     * <a href="../../../../../RULES.md#ring-03">RING-03</a>: the same traffic from index 0 and from 0xFFFFFFF0, with
     * a full ring crossing 2^32.
     *
     * <p>If this fails, check: every index comparison is unsigned ({@code Integer.compareUnsigned} or a
     * {@code RingIndex}-style helper); {@code prod - cons == size} means full; slots are {@code index & (size-1)}.
     */
    @Test
    public void required_RING_03_wrapAroundBehavesLikeZeroAndFullIsNotEmpty() {
        List<List<Long>> runs = new ArrayList<>();
        for (int start : new int[] {0, NEAR_WRAP}) {
            Fixture f = fixture(start);
            List<Long> order = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                f.publish(f.size, 1);
                assertEquals(f.size, f.ring.unconsumedRequests(), "a full ring must report " + f.size + " requests");
                assertEquals(f.size, f.pollAndAnswer(Integer.MAX_VALUE), "a full ring must deliver all its requests");
                assertEquals(f.reqProd, RingTestProtocol.getInt(f.page, RSP_PROD), "rsp_prod after answering everything");
            }
            for (MemorySegment r : f.seen) {
                order.add(r.get(U64, 0));
                assertTrue(RingTestProtocol.intact(r), "request corrupted");
            }
            runs.add(order);
        }
        assertEquals(runs.get(0), runs.get(1), "start 0xFFFFFFF0 behaved differently from start 0");
    }

    /**
     * <a href="../../../../../RULES.md#ring-06">RING-06</a>: the handler rejects (throws on) a malformed request; it
     * is answered, and the next requests are delivered once each.
     *
     * <p>If this fails, check: {@code req_cons} advances before the handler runs; a handler exception does
     * not re-deliver the entry, lose the following ones or break the ring.
     */
    @Test
    public void required_RING_06_rejectedRequestIsConsumedOnceAndRingKeepsWorking() {
        Fixture f = fixture(0);
        f.publish(1, 99);
        f.publish(2, 1);
        try {
            f.ring.pollRequests(r -> {
                f.seen.add(copy(r));
                if (r.get(U32, OP) == 99) {
                    throw new IllegalArgumentException("malformed request (op 99)");
                }
            }, Integer.MAX_VALUE);
        } catch (IllegalArgumentException expected) {
            // the handler's own rejection
        }
        assertEquals(RingState.ACTIVE, f.ring.state(), "a handler rejection must not break the ring");
        assertEquals(1, f.ring.pendingResponses(), "the rejected request must be consumed and await its error response");
        MemorySegment error = RingTestProtocol.answer(f.seen.get(0));
        error.set(U32, 12, 0xFFFFFFFF);
        f.ring.putResponse(error);
        assertEquals(1, (int) RingIndex.distance(0, f.ring.responseProducerIndex()), "RING-06: responseProducerIndex() "
                + "(rsp_prod_pvt) after answering the rejected request, before the push");
        assertEquals(0, RingTestProtocol.getInt(f.page, RSP_PROD), "RING-06: rsp_prod moved before the push");
        f.ring.pushResponses();
        f.pollAndAnswer(Integer.MAX_VALUE);
        assertEquals(List.of(0L, 1L, 2L), f.seen.stream().map(r -> r.get(U64, 0)).toList(),
                "RING-06: ids of the requests handed out, in order; the rejected request (id 0) must be handed out once "
                        + "and the following ones once each");
        assertEquals(f.reqProd, RingTestProtocol.getInt(f.page, RSP_PROD),
                "RING-06: rsp_prod after answering every request, the rejected one included");
    }

    /**
     * <a href="../../../../../RULES.md#ring-08">RING-08</a>: with a full ring, a poll limited to 5 consumes 5.
     *
     * <p>If this fails, check: the consumer loop honours its per-round limit.
     */
    @Test
    public void required_RING_08_pollHonoursItsLimitUnderFlood() {
        Fixture f = fixture(0);
        f.publish(f.size, 1);
        int consumed = f.poll(5);
        assertEquals(5, consumed, "RING-08: pollRequests(handler, 5) on a full ring of " + f.size + " requests returned "
                + consumed + "; one call must consume exactly min(limit, available) = 5, never more (a flooding "
                + "frontend must not monopolise the backend: XSA-392)");
        assertEquals(5, f.seen.size(), "RING-08: pollRequests(handler, 5) called the handler " + f.seen.size()
                + " times; the limit bounds the handler calls of one round (XSA-392)");
        int left = f.ring.unconsumedRequests();
        assertEquals(f.size - 5, left, "RING-08: after consuming 5 of " + f.size + " requests, unconsumedRequests() says "
                + left + "; the requests beyond the limit must stay on the ring for the next round");
    }

    /**
     * <a href="../../../../../RULES.md#ring-13">RING-13</a> (backend side): the ring breaks on an overflowing
     * {@code req_prod}; then the frontend restores a valid {@code req_prod} with one genuine request. Polling,
     * {@code unconsumedRequests}, the final check and a response push must hand out nothing and leave the shared
     * page as it is; {@code state()} stays {@code BROKEN}.
     *
     * A {@code RingBrokenException} thrown by one of them must name the ring's {@code fault()}.
     *
     * <p>If this fails, check: the fault is remembered and every operation checks it first (throwing
     * {@code RingBrokenException} with that fault); nothing clears it except a new ring.
     */
    @Test
    public void required_RING_13_backendBrokenStateIsFinal() {
        Fixture f = fixture(NEAR_WRAP);
        assertEquals(RingState.ACTIVE, f.ring.state(), "RING-13: a healthy ring must report ACTIVE before anything broke it");
        assertNull(f.ring.fault(), "RING-13: fault() of a healthy ring must be null (it names why a ring broke)");
        f.publish(2, 1);
        f.pollAndAnswer(Integer.MAX_VALUE);
        // two requests consumed; one response put but not pushed, one request still unanswered
        f.publish(2, 1);
        f.poll(Integer.MAX_VALUE);
        f.ring.putResponse(RingTestProtocol.answer(f.seen.get(2)));
        int good = f.reqProd;
        RingTestProtocol.setIntRelease(f.page, REQ_PROD, good + f.size + 1);
        RingVerificationSupport.assertBreaks("RING-13: req_prod RING_SIZE+1 ahead", () -> f.poll(Integer.MAX_VALUE), f.ring::state);
        RingFault fault = f.ring.fault();
        assertNotNull(fault, "RING-13: a broken ring must say why: fault() is null after the ring broke");
        RingTestProtocol.setIntRelease(f.page, REQ_PROD, good);
        f.publish(1, 1);
        int seenBefore = f.seen.size();
        byte[] before = f.page.toArray(ValueLayout.JAVA_BYTE);
        List<String> actions = List.of("pollRequests", "unconsumedRequests", "finalCheckForRequests", "putResponse",
                "pushResponses");
        for (String action : actions) {
            int[] answer = {0};
            RingBrokenException thrown = null;
            try {
                switch (action) {
                    case "pollRequests" -> f.poll(Integer.MAX_VALUE);
                    case "unconsumedRequests" -> answer[0] = f.ring.unconsumedRequests();
                    case "finalCheckForRequests" -> answer[0] = f.ring.finalCheckForRequests() ? 1 : 0;
                    case "putResponse" -> f.ring.putResponse(RingTestProtocol.answer(f.seen.get(3)));
                    default -> f.ring.pushResponses();
                }
            } catch (RingBrokenException e) {
                thrown = e;
            }
            String what = "RING-13: " + action + "() on a broken ring after the frontend restored a valid req_prod"
                    + (thrown == null ? " returned normally" : " threw RingBrokenException");
            if (thrown != null) {
                assertEquals(fault, thrown.fault(), what + " naming fault " + thrown.fault() + ", but the ring's fault() is "
                        + fault + ": the exception must name the fault the ring reports");
            }
            assertEquals(0, answer[0], what + " and reported pending work: a broken ring reports none (throw "
                    + "RingBrokenException or answer 0/false)");
            assertEquals(seenBefore, f.seen.size(), what + " and handed out a request: BROKEN must be final");
            assertEquals(RingState.BROKEN, f.ring.state(), what + " and state() is no longer BROKEN: BROKEN must be final");
            assertEquals(fault, f.ring.fault(), what + " and fault() changed: the first fault is kept");
            assertArrayEquals(before, f.page.toArray(ValueLayout.JAVA_BYTE),
                    what + " and wrote to the shared page: a broken ring no longer touches shared memory");
        }
    }
    /**
     * <a href="../../../../../RULES.md#ring-26">RING-26</a> (backend side): six requests are published; the handler
     * of the first calls {@code pollRequests} again. The nested call may be refused ({@code IllegalStateException})
     * or consume requests itself; either way every request must be handed out exactly once, in order.
     *
     * <p>If this fails, check: a consumer loop that keeps {@code req_cons} in a local must refuse a nested poll
     * (a re-entrancy flag), or re-read the private index after the handler returns.
     */
    @Test
    public void required_RING_26_reenteredRequestPollHandsOutEachRequestOnce() {
        Fixture f = fixture(NEAR_WRAP);
        f.publish(6, 1);
        List<Long> handed = new ArrayList<>();
        String[] nested = {"not called"};
        int outer = f.ring.pollRequests(r -> {
            handed.add(r.get(U64, 0));
            if (handed.size() == 1) {
                try {
                    int n = f.ring.pollRequests(inner -> handed.add(inner.get(U64, 0)), Integer.MAX_VALUE);
                    nested[0] = "consumed " + n;
                } catch (IllegalStateException refused) {
                    nested[0] = "refused";
                }
            }
        }, Integer.MAX_VALUE);
        String what = "RING-26: pollRequests re-entered from its handler (the nested call " + nested[0] + ", the outer "
                + "returned " + outer + ")";
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), handed, what + ": the ids handed out, in order; each request "
                + "exactly once");
        assertEquals(RingState.ACTIVE, f.ring.state(), what + ": genuine traffic must not break the ring");
        assertEquals(NEAR_WRAP + 6, f.ring.requestConsumerIndex(), what + ": req_cons after six requests");
    }

    /**
     * <a href="../../../../../RULES.md#ring-27">RING-27</a>: two requests are published; the backend consumes one
     * (limit 1) and answers it, then is asked for a second response while the second request is still unconsumed.
     * It must refuse ({@code IllegalStateException}) and leave the second request's slot and {@code rsp_prod} alone;
     * the second request is then handed out intact.
     *
     * <p>If this fails, check: {@code putResponse} compares {@code rsp_prod_pvt} with {@code req_cons} and refuses
     * when every consumed request is answered (its slot would be an unconsumed request's).
     */
    @Test
    public void required_RING_27_noResponseForAnUnconsumedRequest() {
        Fixture f = fixture(NEAR_WRAP);
        f.publish(2, 1);
        assertEquals(1, f.poll(1), "RING-27: pollRequests(handler, 1)");
        f.ring.putResponse(RingTestProtocol.answer(f.seen.get(0)));
        assertEquals(0, f.ring.pendingResponses(), "RING-27: pendingResponses() after answering the one consumed request");
        byte[] before = f.page.toArray(ValueLayout.JAVA_BYTE);
        MemorySegment extra = RingTestProtocol.answer(f.seen.get(0));
        extra.set(U32, 12, 0xBAD);
        try {
            f.ring.putResponse(extra);
            fail("RING-27: putResponse with no consumed request waiting was accepted; it writes the slot of request "
                    + Integer.toUnsignedString(NEAR_WRAP + 1) + ", which the frontend published and the backend has not "
                    + "read: refuse it with IllegalStateException");
        } catch (IllegalStateException expected) {
            // every consumed request is answered
        }
        assertArrayEquals(before, f.page.toArray(ValueLayout.JAVA_BYTE), "RING-27: the refused putResponse wrote to the "
                + "shared page");
        assertEquals(1, f.poll(Integer.MAX_VALUE), "RING-27: the second request");
        assertEquals(1L, f.seen.get(1).get(U64, 0), "RING-27: the second request's id");
        assertTrue(RingTestProtocol.intact(f.seen.get(1)), "RING-27: the second request was overwritten");
        f.ring.putResponse(RingTestProtocol.answer(f.seen.get(1)));
        f.ring.pushResponses();
        assertEquals(NEAR_WRAP + 2, RingTestProtocol.getInt(f.page, RSP_PROD), "RING-27: rsp_prod after two responses");
    }
}
