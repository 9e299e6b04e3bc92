package io.pvkit.conformance.ring;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.conformance.property.Action;
import io.pvkit.conformance.property.Gens;
import io.pvkit.conformance.property.Property;
import io.pvkit.conformance.property.StateMachine;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.RingIndex;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.pvkit.conformance.ring.RingTestProtocol.U64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The conformance verification of a ring <b>backend</b> ({@link BackRing}): the kit plays a (sometimes
 * hostile) frontend by writing the shared page directly, as a C frontend using {@code io/ring.h} would.
 *
 * <p>Extend it in your test scope and return your back ring from {@link #createBackRing}:
 * {@snippet :
 * class AcmeBackRingConformanceTest extends BackRingVerification {
 *     @Override
 *     protected BackRing createBackRing(MemoryAccess memory, RingType type, int startIndex) {
 *         return AcmeRing.backAttach(new AcmeMemoryAdapter(memory), type, startIndex); // BACK_RING_ATTACH
 *     }
 * }
 * }
 * The view may be a {@link HostileMemory}; your ring must make every shared-memory access through it.
 *
 * <p>The rules are grouped by concern along this class's superclasses (you extend only this class):
 * {@link BackRingHostileFrontendVerification} (the hook, the kit's frontend, RING-01, 02, 04, 05, 09, 12),
 * {@link BackRingStateVerification} (counts, indices and state: RING-03, 06, 08, 13, 26, 27),
 * {@link BackRingLayoutVerification} (the shared page's layout: RING-07, 20, 21) and this class (notifications and
 * ordering: RING-10, 11, 15, 22, 23, 24).
 */
public abstract class BackRingVerification extends BackRingLayoutVerification {

    /** For subclasses. */
    protected BackRingVerification() {
    }

    /**
     * <a href="../../../../../RULES.md#ring-10">RING-10</a>, model-based: random interleavings of the frontend's
     * push-and-check (by the kit, with io/ring.h arithmetic) and the backend's poll, response push and final
     * check. Whenever the backend's final check says "no work" the backend sleeps; a later push must then
     * notify, and a request must never be pending while the backend sleeps un-notified.
     *
     * <p>If this fails, check: the final check stores {@code req_event = req_cons + 1}, then a full fence,
     * then re-reads {@code req_prod}; the push stores {@code req_prod}, full fence, then reads {@code req_event}.
     */
    @Test
    public void required_RING_10_noLostWakeupInAnyInterleaving() {
        record Model(int pending, boolean asleep, int answered) { }
        final class Sys implements AutoCloseable {
            final Fixture f = fixture(NEAR_WRAP);
            boolean woken;

            @Override
            public void close() {
                pages.close();
            }
        }
        Action<Model, Sys> push = new Action<>() {
            @Override
            public boolean precondition(Model m) {
                return m.pending() < 8;
            }

            @Override
            public void run(Sys s, Model m) {
                boolean notify = s.f.publish(1, 1);
                if (m.asleep() && !notify) {
                    fail("lost wake-up: the backend sleeps after a negative final check and this push did not notify");
                }
                s.woken |= notify;
            }

            @Override
            public Model nextModel(Model m) {
                return new Model(m.pending() + 1, false, m.answered());
            }

            @Override
            public String toString() {
                return "frontendPush";
            }
        };
        Action<Model, Sys> poll = new Action<>() {
            @Override
            public void run(Sys s, Model m) {
                assertEquals(m.pending(), s.f.pollAndAnswer(Integer.MAX_VALUE), "requests consumed");
            }

            @Override
            public Model nextModel(Model m) {
                return new Model(0, m.asleep() && m.pending() == 0, m.answered() + m.pending());
            }

            @Override
            public String toString() {
                return "backendPollAndAnswer";
            }
        };
        Action<Model, Sys> finalCheck = new Action<>() {
            @Override
            public void run(Sys s, Model m) {
                assertEquals(m.pending() > 0, s.f.ring.finalCheckForRequests(), "final check with " + m.pending() + " pending");
            }

            @Override
            public Model nextModel(Model m) {
                return new Model(m.pending(), m.pending() == 0, m.answered());
            }

            @Override
            public String toString() {
                return "backendFinalCheck";
            }
        };
        StateMachine<Model, Sys> machine = StateMachine.of(() -> new Model(0, false, 0), Sys::new,
                m -> Gens.choose(push, poll, finalCheck)).withMaxSteps(60);
        Property.named("RING-10 back ring").check(machine);
    }

    /**
     * <a href="../../../../../RULES.md#ring-11">RING-11</a>: requests published one at a time between polls, then
     * 20000 requests from a concurrent frontend thread; every request the backend hands out is intact.
     *
     * <p>If this fails, check: {@code req_prod} is read (acquire) before the slot is copied, and no slot is
     * read speculatively before the index covered it.
     *
     * @throws Exception when the frontend thread cannot be joined
     */
    @Test
    public void required_RING_11_slotIsSeenAfterItsIndex() throws Exception {
        Fixture f = fixture(NEAR_WRAP);
        for (int i = 0; i < 3 * f.size; i++) {
            f.poll(Integer.MAX_VALUE);
            f.publish(1, 1);
            f.pollAndAnswer(Integer.MAX_VALUE);
        }
        for (MemorySegment r : f.seen) {
            assertTrue(RingTestProtocol.intact(r), "stale or torn request id " + r.get(U64, 0));
        }
        ids(f.seen);
        Fixture c = fixture(NEAR_WRAP);
        final int total = 20_000;
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread frontend = Thread.ofPlatform().start(() -> {
            try {
                int sent = 0;
                int rspCons = c.reqProd;
                while (sent < total) {
                    int rspProd = RingTestProtocol.getInt(c.page, RSP_PROD);
                    int free = c.size - (int) RingIndex.distance(rspProd, c.reqProd);
                    int n = Math.min(free, total - sent);
                    if (n > 0) {
                        c.publish(n, 1);
                        sent += n;
                    } else {
                        Thread.onSpinWait();
                    }
                    rspCons = rspProd;
                }
            } catch (Throwable t) {
                error.set(t);
            }
        });
        int bad = 0;
        int got = 0;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (got < total && System.nanoTime() < deadline) {
            int[] b = {0};
            int n = c.ring.pollRequests(r -> {
                if (!RingTestProtocol.intact(r)) {
                    b[0]++;
                }
                c.ring.putResponse(RingTestProtocol.answer(r));
            }, Integer.MAX_VALUE);
            c.ring.pushResponses();
            bad += b[0];
            got += n;
            if (n == 0) {
                Thread.onSpinWait();
            }
        }
        frontend.join(10_000);
        assertNull(error.get(), "RING-11: the kit's frontend thread failed: " + error.get());
        assertEquals(total, got, "requests received");
        assertEquals(0, bad, "torn or stale requests");
    }

    /**
     * How many rounds {@link #required_RING_15_concurrentResponsePushNeverLosesAWakeup()} runs: the system property
     * {@value FrontRingVerification#ORDERING_ROUNDS_PROPERTY} (shared with the frontend's RING-15), by default
     * {@value FrontRingVerification#ORDERING_ROUNDS_DEFAULT}. Override to run a fixed number.
     *
     * @return the number of rounds, at least 1
     */
    protected int orderingRounds() {
        return Math.max(1, Integer.getInteger(FrontRingVerification.ORDERING_ROUNDS_PROPERTY,
                FrontRingVerification.ORDERING_ROUNDS_DEFAULT));
    }

    /**
     * <a href="../../../../../RULES.md#ring-15">RING-15</a> (backend side): for many rounds, your backend answers
     * one request per round and calls {@code pushResponses()} on one thread while the kit, as frontend on another
     * thread, consumes responses and does {@code RING_FINAL_CHECK_FOR_RESPONSES} (store
     * {@code rsp_event = rsp_cons + 1}, full fence, read {@code rsp_prod}). A round where the push does not notify
     * and the final check does not see the response is a lost wake-up: the frontend would sleep forever.
     *
     * <p>This is a memory-ordering check (the reordering it catches is rare): the default
     * {@value FrontRingVerification#ORDERING_ROUNDS_DEFAULT} rounds suit a build; set
     * {@value FrontRingVerification#ORDERING_ROUNDS_PROPERTY} to e.g. 1000000 for a long run.
     *
     * <p>If this fails, check: {@code pushResponses} stores {@code rsp_prod}, then issues a full fence
     * ({@code VarHandle.fullFence()}, {@code xen_mb}), then reads {@code rsp_event}; a release store followed
     * by a plain, acquire or opaque load of {@code rsp_event} may be reordered (StoreLoad) on x86 and ARM.
     *
     * @throws InterruptedException when interrupted while joining the backend's thread
     */
    @Test
    @Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    public void required_RING_15_concurrentResponsePushNeverLosesAWakeup() throws InterruptedException {
        final int rounds = orderingRounds();
        Fixture f = fixture(NEAR_WRAP);
        BackendWakeupRace.Result r = BackendWakeupRace.run(f.ring, f.page, NEAR_WRAP, rounds,
                System.nanoTime() + 540_000_000_000L);
        assertNull(r.backendError(), () -> "RING-15: the backend failed on its thread: " + r.backendError());
        assertEquals(0, r.lost(), "RING-15: " + r.lost() + " lost wake-up(s) in " + rounds + " rounds (first at response "
                + r.firstLost() + "): the push neither notified nor published rsp_prod before the frontend's final check "
                + "read it. pushResponses must store rsp_prod, issue a full fence (xen_mb), then read rsp_event");
    }

    /**
     * <a href="../../../../../RULES.md#ring-22">RING-22</a>, property-based: for random starts, batch sizes and
     * {@code rsp_event} values, {@code pushResponses} notifies exactly when the event lies in (old, new];
     * {@code pushResponses(Notifier)} calls the notifier exactly then.
     *
     * <p>If this fails, check: {@code (u32)(new - event) < (u32)(new - old)} with unsigned compare, old being
     * the previously published {@code rsp_prod}.
     */
    @Test
    public void required_RING_22_pushNotifiesExactlyWhenEventInWindow() {
        Property.named("RING-22 back push").forAll(
                Gens.zip(Gens.ints(), Gens.zip(Gens.ints(1, 32), Gens.ints(-40, 40), (n, d) -> new int[] {n, d}),
                        (start, nd) -> new int[] {start, nd[0], nd[1]}),
                c -> {
                    try {
                        Fixture f = fixture(c[0]);
                        f.publish(c[1], 1);
                        f.ring.pollRequests(r -> f.ring.putResponse(RingTestProtocol.answer(r)), Integer.MAX_VALUE);
                        int old = c[0];
                        int now = c[0] + c[1];
                        int event = old + c[2];
                        RingTestProtocol.setIntRelease(f.page, RSP_EVENT, event);
                        boolean expected = c[2] >= 1 && c[2] <= c[1];
                        assertEquals(expected, f.ring.pushResponses(), "old=" + Integer.toUnsignedString(old) + " new="
                                + Integer.toUnsignedString(now) + " rsp_event=" + Integer.toUnsignedString(event));
                        assertEquals(now, RingTestProtocol.getInt(f.page, RSP_PROD), "RING-22: rsp_prod after pushing "
                                + c[1] + " responses from " + Integer.toUnsignedString(old));
                    } finally {
                        pages.close();
                    }
                });
        // pushResponses(Notifier) calls the notifier exactly when the push asks for a notification
        for (int event : new int[] {NEAR_WRAP + 2, NEAR_WRAP + 3}) {
            Fixture f = fixture(NEAR_WRAP);
            f.publish(2, 1);
            f.ring.pollRequests(r -> f.ring.putResponse(RingTestProtocol.answer(r)), Integer.MAX_VALUE);
            RingTestProtocol.setIntRelease(f.page, RSP_EVENT, event);
            int[] notified = {0};
            boolean notify = f.ring.pushResponses(() -> notified[0]++);
            boolean inWindow = event == NEAR_WRAP + 2;
            String what = "RING-22: pushResponses(Notifier) of 2 responses from " + Integer.toUnsignedString(NEAR_WRAP)
                    + " with rsp_event " + Integer.toUnsignedString(event);
            assertEquals(inWindow, notify, what + " returned " + notify);
            assertEquals(inWindow ? 1 : 0, notified[0], what + " called the notifier " + notified[0] + " time(s); it must "
                    + "notify exactly when the push asks for it (and return that decision)");
            assertEquals(NEAR_WRAP + 2, RingTestProtocol.getInt(f.page, RSP_PROD), what + ": rsp_prod");
        }
    }

    /**
     * <a href="../../../../../RULES.md#ring-23">RING-23</a>: with nothing pending the final check sets
     * {@code req_event = req_cons + 1} and says "no work"; with a request pending it says "work".
     *
     * Then {@code req_prod} reads as empty on the first read only: the re-check after arming must report the request.
     *
     * <p>If this fails, check: {@code RING_FINAL_CHECK_FOR_REQUESTS}: check, arm with +1, full fence, re-check
     * (and return the re-check's result, not the first check's).
     */
    @Test
    public void required_RING_23_finalCheckArmsEventAtConsumerPlusOne() {
        Fixture f = fixture(NEAR_WRAP);
        for (int round = 0; round < 40; round++) {
            assertFalse(f.ring.finalCheckForRequests(), "no request is pending");
            assertEquals(f.reqProd + 1, RingTestProtocol.getInt(f.page, REQ_EVENT), "req_event after the final check");
            assertTrue(f.publish(1 + round % 3, 1), "the armed event must make the next push notify");
            assertTrue(f.ring.finalCheckForRequests(), "a request is pending");
            f.pollAndAnswer(Integer.MAX_VALUE);
        }
        // a request published between the arming store and the re-check: req_prod looks empty on the first
        // read only, so only the re-check after the fence can find it
        MemorySegment page = pages.newPage(1);
        HostileMemory hostile = new HostileMemory(page);
        Fixture h = new Fixture(NEAR_WRAP, hostile, page);
        h.publish(1, 1);
        hostile.script(REQ_PROD, n -> n == 0 ? NEAR_WRAP : NEAR_WRAP + 1);
        assertTrue(h.ring.finalCheckForRequests(), "the re-check after arming must find the request published meanwhile");
        assertEquals(1, h.poll(Integer.MAX_VALUE), "RING-23: the request the re-check found must then be consumed");
    }

    /**
     * <a href="../../../../../RULES.md#ring-24">RING-24</a> (SHOULD): with requests already pending, the kit sets
     * {@code req_event} to a value of its own; the final check must report work and leave {@code req_event} as the
     * kit wrote it, in every round of a stream of batches.
     *
     * <p>If this fails, check: {@code RING_FINAL_CHECK_FOR_REQUESTS} first checks for unconsumed requests and
     * returns at once when it finds some; only a check that found nothing writes {@code req_event = req_cons + 1}.
     */
    @Test
    public void optional_RING_24_finalCheckWithRequestsPendingLeavesReqEventAlone() {
        Fixture f = fixture(NEAR_WRAP);
        for (int round = 0; round < 20; round++) {
            f.publish(1 + round % 3, 1);
            int mark = f.reqProd + 1000 + round;
            RingTestProtocol.setIntRelease(f.page, REQ_EVENT, mark);
            assertTrue(f.ring.finalCheckForRequests(), "RING-24: requests are pending, the final check must report work");
            int event = RingTestProtocol.getInt(f.page, REQ_EVENT);
            assertEquals(mark, event, "RING-24: the final check found requests pending and still wrote req_event ("
                    + Integer.toUnsignedString(mark) + " -> " + Integer.toUnsignedString(event) + "); arm the event only "
                    + "when the first check found nothing");
            f.pollAndAnswer(Integer.MAX_VALUE);
        }
    }
}
