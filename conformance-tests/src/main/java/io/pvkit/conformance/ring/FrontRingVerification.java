package io.pvkit.conformance.ring;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.conformance.property.Action;
import io.pvkit.conformance.property.Gens;
import io.pvkit.conformance.property.Property;
import io.pvkit.conformance.property.StateMachine;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingIndex;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The conformance verification of a ring <b>frontend</b> ({@link FrontRing}): the kit plays a (sometimes
 * hostile) backend by writing the shared page directly, as a C backend using {@code io/ring.h} would.
 *
 * <p>Extend it in your test scope:
 * {@snippet :
 * class AcmeFrontRingConformanceTest extends FrontRingVerification {
 *     @Override
 *     protected FrontRing createFrontRing(MemoryAccess memory, RingType type, int startIndex,
 *                                         FrontRing.ResponseValidator validator) {
 *         return AcmeRing.frontInit(new AcmeMemoryAdapter(memory), type, startIndex, validator);
 *     }
 * }
 * }
 * <p><b>Requirement on ids.</b> Your frontend stamps each request's id field with a shadow index in
 * {@code [0, size)} and returns that index from {@code putRequest}, as blkfront does: the kit forges responses
 * with such ids (out of range, never issued, not yet pushed). A frontend with other ids (sequence numbers,
 * cookies) needs an adapter that maps them; otherwise every rule that puts requests fails with a message
 * that names this requirement.
 *
 * <p>The rules are grouped by concern along this class's superclasses (you extend only this class):
 * {@link FrontRingHostileBackendVerification} (the hooks, the kit's backend, FE-01..07, RING-05, RING-14),
 * {@link FrontRingStateVerification} (counts, indices and state: RING-03, RING-08, RING-13, RING-26),
 * {@link FrontRingLayoutVerification} (the shared page's layout: RING-20, RING-21, RING-25) and this class
 * (notifications and ordering: RING-10, RING-15, RING-22, RING-23, RING-24).
 */
public abstract class FrontRingVerification extends FrontRingLayoutVerification {

    /** For subclasses. */
    protected FrontRingVerification() {
    }

    /**
     * <a href="../../../../../RULES.md#ring-10">RING-10</a> (frontend side), model-based: random interleavings of
     * the frontend's put/push, its response poll and its final check, against the kit's backend answering
     * with io/ring.h push-and-check. Whenever the frontend's final check says "no work" it sleeps; a later
     * response push must then notify.
     *
     * <p>If this fails, check: the final check stores {@code rsp_event = rsp_cons + 1}, full fence, then
     * re-reads {@code rsp_prod}.
     */
    @Test
    public void required_RING_10_noLostResponseWakeupInAnyInterleaving() {
        record Model(int published, int answered, int received, boolean asleep) { }
        final class Sys implements AutoCloseable {
            final Fixture f = fixture(NEAR_WRAP);
            final List<MemorySegment> consumed = new ArrayList<>();

            @Override
            public void close() {
                pages.close();
            }
        }
        Action<Model, Sys> put = new Action<>() {
            @Override
            public boolean precondition(Model m) {
                return m.published() - m.received() < 8;
            }

            @Override
            public void run(Sys s, Model m) {
                s.f.put(1, 1);
                s.f.ring.pushRequests();
                s.consumed.addAll(s.f.consume());
            }

            @Override
            public Model nextModel(Model m) {
                return new Model(m.published() + 1, m.answered(), m.received(), m.asleep());
            }

            @Override
            public String toString() {
                return "frontendPutAndPush";
            }
        };
        Action<Model, Sys> answer = new Action<>() {
            @Override
            public boolean precondition(Model m) {
                return m.answered() < m.published();
            }

            @Override
            public void run(Sys s, Model m) {
                boolean notify = s.f.respond(RingTestProtocol.answer(s.consumed.get(m.answered())));
                if (m.asleep() && !notify) {
                    fail("lost wake-up: the frontend sleeps after a negative final check and this push did not notify");
                }
            }

            @Override
            public Model nextModel(Model m) {
                return new Model(m.published(), m.answered() + 1, m.received(), false);
            }

            @Override
            public String toString() {
                return "backendAnswer";
            }
        };
        Action<Model, Sys> poll = new Action<>() {
            @Override
            public void run(Sys s, Model m) {
                assertEquals(m.answered() - m.received(), s.f.poll(), "responses consumed");
            }

            @Override
            public Model nextModel(Model m) {
                return new Model(m.published(), m.answered(), m.answered(), m.asleep() && m.answered() == m.received());
            }

            @Override
            public String toString() {
                return "frontendPoll";
            }
        };
        Action<Model, Sys> finalCheck = new Action<>() {
            @Override
            public void run(Sys s, Model m) {
                assertEquals(m.answered() > m.received(), s.f.ring.finalCheckForResponses(),
                        "final check with " + (m.answered() - m.received()) + " responses pending");
            }

            @Override
            public Model nextModel(Model m) {
                return new Model(m.published(), m.answered(), m.received(), m.answered() == m.received());
            }

            @Override
            public String toString() {
                return "frontendFinalCheck";
            }
        };
        StateMachine<Model, Sys> machine = StateMachine.of(() -> new Model(0, 0, 0, false), Sys::new,
                m -> Gens.choose(put, answer, poll, finalCheck)).withMaxSteps(60);
        Property.named("RING-10 front ring").check(machine);
    }

    /**
     * The rounds {@link #required_RING_15_concurrentPushNeverLosesAWakeup()} runs: the system property
     * {@value #ORDERING_ROUNDS_PROPERTY}, by default {@value #ORDERING_ROUNDS_DEFAULT} (a short mode for the
     * build). A push without its full fence is a rare hardware reordering: run the long mode, e.g.
     * {@code -Dpvkit.conformance.orderingRounds=1000000}, to catch it on two cores.
     */
    public static final String ORDERING_ROUNDS_PROPERTY = "pvkit.conformance.orderingRounds";
    /** The default (short) number of RING-15 rounds. */
    public static final int ORDERING_ROUNDS_DEFAULT = 20_000;

    /**
     * How many rounds RING-15 runs: {@value #ORDERING_ROUNDS_PROPERTY} or {@value #ORDERING_ROUNDS_DEFAULT}.
     * Override to run a fixed number (the kit's self-tests shorten it for rings that are not about ordering).
     *
     * @return the number of rounds, at least 1
     */
    protected int orderingRounds() {
        return Math.max(1, Integer.getInteger(ORDERING_ROUNDS_PROPERTY, ORDERING_ROUNDS_DEFAULT));
    }

    /**
     * <a href="../../../../../RULES.md#ring-15">RING-15</a>: for many rounds, your frontend's
     * {@code pushRequests()} runs on one thread while the kit, as backend on another thread, does
     * {@code RING_FINAL_CHECK_FOR_REQUESTS} (store {@code req_event = req_cons + 1}, full fence, read
     * {@code req_prod}) with a varying head start. Before each round {@code req_event} is stale, so only the
     * backend's arming store can make the push notify. A round where the push does not notify and the final
     * check does not see the request is a lost wake-up: the backend would sleep forever.
     *
     * <p>This is a memory-ordering check (the reordering it catches is rare): the default
     * {@value #ORDERING_ROUNDS_DEFAULT} rounds suit a build; set {@value #ORDERING_ROUNDS_PROPERTY} to e.g.
     * 1000000 for a long run.
     *
     * <p>If this fails, check: {@code pushRequests} stores {@code req_prod}, then issues a full fence
     * ({@code VarHandle.fullFence()}, {@code xen_mb}), then reads {@code req_event}; a release store followed
     * by a plain, acquire or opaque load of {@code req_event} may be reordered (StoreLoad) on x86 and ARM.
     *
     * @throws InterruptedException when interrupted while joining the pushing thread
     */
    @Test
    @Timeout(value = 600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    public void required_RING_15_concurrentPushNeverLosesAWakeup() throws InterruptedException {
        final int rounds = orderingRounds();
        Fixture f = fixture(NEAR_WRAP);
        final long deadline = System.nanoTime() + 540_000_000_000L;
        // wakes: notifications the frontend's pushes asked for; pushed: requests whose push has returned
        AtomicLong wakes = new AtomicLong();
        AtomicInteger pushed = new AtomicInteger();
        AtomicReference<Throwable> frontError = new AtomicReference<>();
        MemorySegment request = RingTestProtocol.request(1, 1);
        // the frontend under test: ping-pong, one request per push, spinning for its response
        Thread frontend = Thread.ofPlatform().daemon().name("RING-15 frontend").start(() -> {
            try {
                for (int k = 1; k <= rounds; k++) {
                    f.ring.putRequest(request);
                    if (f.ring.pushRequests()) {
                        wakes.incrementAndGet();
                    }
                    pushed.set(k);
                    while (f.ring.pollResponses((id, rsp) -> { }, Integer.MAX_VALUE) == 0) {
                        if (System.nanoTime() - deadline > 0) {
                            return;
                        }
                        Thread.onSpinWait();
                    }
                }
            } catch (Throwable t) {
                frontError.set(t);
            }
        });
        // the kit's backend: answer everything, then RING_FINAL_CHECK_FOR_REQUESTS; after a negative check it
        // "sleeps" until a notification. When the push of the pending request has returned without one, the
        // backend would sleep forever: a lost wake-up (counted, then the backend carries on)
        MemorySegment slot = MemorySegment.ofArray(new long[RingTestProtocol.REQUEST_SIZE / 8]);
        int cons = f.start;
        int lost = 0;
        int firstLost = -1;
        try {
            while (RingIndex.distance(f.start, cons) < rounds && frontError.get() == null) {
                if (System.nanoTime() - deadline > 0) {
                    fail("RING-15: " + RingIndex.distance(f.start, cons) + " of " + rounds + " rounds before the deadline");
                }
                int prod = RingTestProtocol.getIntAcquire(f.page, REQ_PROD);
                if (prod != cons) {
                    while (cons != prod) {
                        MemorySegment.copy(f.page, RingTestProtocol.slot(cons, f.size), slot, 0, RingTestProtocol.REQUEST_SIZE);
                        RingTestProtocol.writeResponse(f.page, f.size, cons, RingTestProtocol.answer(slot));
                        cons++;
                    }
                    RingTestProtocol.setIntRelease(f.page, RSP_PROD, cons);
                    continue;
                }
                long wakesBefore = wakes.get();
                RingTestProtocol.setIntVolatile(f.page, REQ_EVENT, cons + 1);
                VarHandle.fullFence();
                if (RingTestProtocol.getInt(f.page, REQ_PROD) != cons) {
                    continue;
                }
                // asleep: the next request is number cons - start + 1
                int next = (int) RingIndex.distance(f.start, cons) + 1;
                while (wakes.get() == wakesBefore && pushed.get() < next && frontError.get() == null) {
                    if (System.nanoTime() - deadline > 0) {
                        fail("RING-15: the frontend did not push request " + next + " before the deadline");
                    }
                    Thread.onSpinWait();
                }
                if (wakes.get() == wakesBefore && pushed.get() >= next) {
                    lost++;
                    if (firstLost < 0) {
                        firstLost = next;
                    }
                }
            }
        } finally {
            frontend.join(10_000);
        }
        assertEquals(null, frontError.get(), () -> "RING-15: the frontend failed on its thread: " + frontError.get());
        assertEquals(0, lost, "RING-15: " + lost + " lost wake-up(s) in " + rounds + " rounds (first at request " + firstLost
                + "): the push neither notified nor published req_prod before the backend's final check read it. "
                + "pushRequests must store req_prod, issue a full fence (xen_mb), then read req_event");
    }

    /**
     * <a href="../../../../../RULES.md#ring-22">RING-22</a> (frontend side), property-based: {@code pushRequests}
     * notifies exactly when {@code req_event} lies in (old, new]; {@code pushRequests(Notifier)} calls the notifier
     * exactly then.
     *
     * <p>If this fails, check: {@code (u32)(new - event) < (u32)(new - old)} with unsigned compare.
     */
    @Test
    public void required_RING_22_pushNotifiesExactlyWhenEventInWindow() {
        Property.named("RING-22 front push").forAll(
                Gens.zip(Gens.ints(), Gens.zip(Gens.ints(1, 32), Gens.ints(-40, 40), (n, d) -> new int[] {n, d}),
                        (start, nd) -> new int[] {start, nd[0], nd[1]}),
                c -> {
                    try {
                        Fixture f = fixture(c[0]);
                        f.put(c[1], 1);
                        RingTestProtocol.setIntRelease(f.page, REQ_EVENT, c[0] + c[2]);
                        boolean expected = c[2] >= 1 && c[2] <= c[1];
                        assertEquals(expected, f.ring.pushRequests(), "old=" + Integer.toUnsignedString(c[0]) + " n=" + c[1]
                                + " req_event=old+" + c[2]);
                        assertEquals(c[0] + c[1], RingTestProtocol.getInt(f.page, REQ_PROD), "RING-22: req_prod after pushing "
                                + c[1] + " requests from " + Integer.toUnsignedString(c[0]));
                        assertFalse(f.ring.pushRequests(), "an empty push must not notify");
                    } finally {
                        pages.close();
                    }
                });
        // pushRequests(Notifier) calls the notifier exactly when the push asks for a notification
        for (int event : new int[] {NEAR_WRAP + 2, NEAR_WRAP + 3}) {
            Fixture f = fixture(NEAR_WRAP);
            f.put(2, 1);
            RingTestProtocol.setIntRelease(f.page, REQ_EVENT, event);
            int[] notified = {0};
            boolean notify = f.ring.pushRequests(() -> notified[0]++);
            boolean inWindow = event == NEAR_WRAP + 2;
            String what = "RING-22: pushRequests(Notifier) of 2 requests from " + Integer.toUnsignedString(NEAR_WRAP)
                    + " with req_event " + Integer.toUnsignedString(event);
            assertEquals(inWindow, notify, what + " returned " + notify);
            assertEquals(inWindow ? 1 : 0, notified[0], what + " called the notifier " + notified[0] + " time(s); it must "
                    + "notify exactly when the push asks for it (and return that decision)");
            assertEquals(NEAR_WRAP + 2, RingTestProtocol.getInt(f.page, REQ_PROD), what + ": req_prod");
        }
    }

    /**
     * <a href="../../../../../RULES.md#ring-23">RING-23</a> (frontend side): the final check arms
     * {@code rsp_event = rsp_cons + 1} and reports pending responses; a later response push by the kit then
     * notifies.
     *
     * Then {@code rsp_prod} reads as empty on the first read only: the re-check after arming must report the response.
     *
     * <p>If this fails, check: {@code RING_FINAL_CHECK_FOR_RESPONSES}: check, arm with +1, full fence, re-check
     * (and return the re-check's result, not the first check's).
     */
    @Test
    public void required_RING_23_finalCheckArmsEventAtConsumerPlusOne() {
        SplittableRandom random = new SplittableRandom(23);
        Fixture f = fixture(NEAR_WRAP);
        for (int round = 0; round < 40; round++) {
            int n = 1 + random.nextInt(4);
            f.put(n, 1);
            f.ring.pushRequests();
            assertFalse(f.ring.finalCheckForResponses(), "no response is pending");
            assertEquals(f.rspProd + 1, RingTestProtocol.getInt(f.page, RSP_EVENT), "rsp_event after the final check");
            List<MemorySegment> reqs = f.consume();
            assertTrue(f.respond(RingTestProtocol.answer(reqs.get(0))), "the armed event must make the next push notify");
            for (int i = 1; i < reqs.size(); i++) {
                f.respond(RingTestProtocol.answer(reqs.get(i)));
            }
            assertTrue(f.ring.finalCheckForResponses(), "responses are pending");
            int polled = f.poll();
            assertEquals(n, polled, "RING-23: " + n + " responses were pending after the final check; consumed " + polled);
        }
        // a response published between the arming store and the re-check: rsp_prod looks empty on the first
        // read only, so only the re-check after the fence can find it
        MemorySegment page = pages.newPage(1);
        HostileMemory hostile = new HostileMemory(page);
        Fixture h = new Fixture(NEAR_WRAP, hostile, page);
        h.put(1, 1);
        h.ring.pushRequests();
        h.respond(RingTestProtocol.answer(h.consume().get(0)));
        hostile.script(RSP_PROD, n -> n == 0 ? NEAR_WRAP : NEAR_WRAP + 1);
        assertTrue(h.ring.finalCheckForResponses(), "the re-check after arming must find the response published meanwhile");
        assertEquals(1, h.poll(), "RING-23: the response the re-check found must then be consumed");
    }

    /**
     * <a href="../../../../../RULES.md#ring-24">RING-24</a> (SHOULD): with responses already pending, the kit sets
     * {@code rsp_event} to a value of its own; the final check must report work and leave {@code rsp_event} as the
     * kit wrote it, in every round of a stream of batches.
     *
     * <p>If this fails, check: {@code RING_FINAL_CHECK_FOR_RESPONSES} first checks for unconsumed responses and
     * returns at once when it finds some; only a check that found nothing writes {@code rsp_event = rsp_cons + 1}.
     */
    @Test
    public void optional_RING_24_finalCheckWithResponsesPendingLeavesRspEventAlone() {
        Fixture f = fixture(NEAR_WRAP);
        for (int round = 0; round < 20; round++) {
            f.put(1 + round % 3, 1);
            f.ring.pushRequests();
            for (MemorySegment r : f.consume()) {
                f.respond(RingTestProtocol.answer(r));
            }
            int mark = f.rspProd + 1000 + round;
            RingTestProtocol.setIntRelease(f.page, RSP_EVENT, mark);
            assertTrue(f.ring.finalCheckForResponses(), "RING-24: responses are pending, the final check must report work");
            int event = RingTestProtocol.getInt(f.page, RSP_EVENT);
            assertEquals(mark, event, "RING-24: the final check found responses pending and still wrote rsp_event ("
                    + Integer.toUnsignedString(mark) + " -> " + Integer.toUnsignedString(event) + "); arm the event only "
                    + "when the first check found nothing");
            f.poll();
        }
    }
}
