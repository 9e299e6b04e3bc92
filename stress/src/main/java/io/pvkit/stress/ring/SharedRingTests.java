package io.pvkit.stress.ring;

import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingType;
import io.pvkit.rings.SharedBackRing;
import io.pvkit.rings.SharedFrontRing;
import io.pvkit.abi.memory.GuestMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Memory-ordering scenarios of {@code SharedFrontRing}/{@code SharedBackRing} on a real page.
 */
public final class SharedRingTests {
    /** 64-byte requests made of eight equal words, 16-byte responses; ids at 0. */
    static final RingType TYPE = new RingType("stress", 64, 16, 8, new RingIdField(0, 8), new RingIdField(0, 8));
    static final long PATTERN = 0x5A5A_5A5A_5A5A_5A5AL;

    private SharedRingTests() {
    }

    static MemorySegment page() {
        return Arena.ofAuto().allocate(4096, 4096);
    }

    static MemorySegment request() {
        MemorySegment r = MemorySegment.ofArray(new long[8]);
        for (int i = 1; i < 8; i++) {
            r.set(ValueLayout.JAVA_LONG, i * 8L, PATTERN);
        }
        return r;
    }

    /**
     * RING-10: the frontend pushes one request (the backend's armed event is stale, so only a fresh
     * final check makes the push notify) while the backend runs its final check before sleeping. At
     * least one of them must see the other: either the push notifies or the final check finds the work.
     */
    @JCStressTest
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "both saw each other")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "backend sleeps, the push notifies it")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE, desc = "backend sees the request, no notify needed")
    @Outcome(id = "0, 0", expect = Expect.FORBIDDEN, desc = "lost wake-up: no notify and no work")
    @State
    public static class PushVersusFinalCheck {
        private final SharedFrontRing front;
        private final SharedBackRing back;

        /** Sets up a ring where one request was exchanged, leaving req_event stale at 1. */
        public PushVersusFinalCheck() {
            MemorySegment page = page();
            front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
            back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
            front.putRequest(request());
            front.pushRequests();
            back.pollRequests(r -> back.putResponse(MemorySegment.ofArray(new long[2])), 1);
            back.pushResponses();
            front.pollResponses((id, r) -> { }, 1);
            front.putRequest(request());
        }

        /**
         * The frontend publishes its request and decides whether to notify.
         *
         * @param r r1 = 1 when it would notify
         */
        @Actor
        public void frontendPush(II_Result r) {
            r.r1 = front.pushRequests() ? 1 : 0;
        }

        /**
         * The backend's final check before sleeping.
         *
         * @param r r2 = 1 when it found work
         */
        @Actor
        public void backendFinalCheck(II_Result r) {
            r.r2 = back.finalCheckForRequests() ? 1 : 0;
        }
    }

    /** The same race on the response side (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY vs RING_FINAL_CHECK_FOR_RESPONSES). */
    @JCStressTest
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "both saw each other")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "frontend sleeps, the push notifies it")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE, desc = "frontend sees the response, no notify needed")
    @Outcome(id = "0, 0", expect = Expect.FORBIDDEN, desc = "lost wake-up: no notify and no work")
    @State
    public static class ResponsePushVersusFinalCheck {
        private final SharedFrontRing front;
        private final SharedBackRing back;

        /** Sets up a ring with one exchanged request and a second one consumed and answered privately. */
        public ResponsePushVersusFinalCheck() {
            MemorySegment page = page();
            front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
            back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
            front.putRequest(request());
            front.pushRequests();
            back.pollRequests(r -> back.putResponse(MemorySegment.ofArray(new long[2])), 1);
            back.pushResponses();
            front.pollResponses((id, r) -> { }, 1);
            front.putRequest(request());
            front.pushRequests();
            back.pollRequests(r -> back.putResponse(r.asSlice(0, 16)), 1);
        }

        /**
         * The backend publishes its response and decides whether to notify.
         *
         * @param r r1 = 1 when it would notify
         */
        @Actor
        public void backendPush(II_Result r) {
            r.r1 = back.pushResponses() ? 1 : 0;
        }

        /**
         * The frontend's final check before sleeping.
         *
         * @param r r2 = 1 when it found a response
         */
        @Actor
        public void frontendFinalCheck(II_Result r) {
            r.r2 = front.finalCheckForResponses() ? 1 : 0;
        }
    }

    /**
     * RING-11: a backend that observes the new {@code req_prod} must see the whole request slot
     * (written with plain stores before the release store of the index).
     */
    @JCStressTest
    @Outcome(id = "0, -1", expect = Expect.ACCEPTABLE, desc = "index not yet visible: nothing consumed")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "index and the complete slot visible")
    @Outcome(id = "1, 0", expect = Expect.FORBIDDEN, desc = "index visible before the slot contents")
    @State
    public static class SlotBeforeIndex {
        private final SharedFrontRing front;
        private final SharedBackRing back;
        private final MemorySegment request = request();

        /** A fresh ring. */
        public SlotBeforeIndex() {
            MemorySegment page = page();
            front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
            back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
        }

        /** The frontend writes the request and publishes it. */
        @Actor
        public void frontendPutAndPush() {
            front.putRequest(request);
            front.pushRequests();
        }

        /**
         * The backend polls once.
         *
         * @param r r1 = requests consumed, r2 = 1 when the copy was complete, 0 when torn, -1 when none
         */
        @Actor
        public void backendPoll(II_Result r) {
            int[] intact = {-1};
            r.r1 = back.pollRequests(req -> {
                boolean ok = true;
                for (int i = 1; i < 8; i++) {
                    ok &= req.get(ValueLayout.JAVA_LONG_UNALIGNED, i * 8L) == PATTERN;
                }
                intact[0] = ok ? 1 : 0;
            }, 1);
            r.r2 = intact[0];
        }
    }
}
