package io.pvkit.conformance.ring;

import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.conformance.property.Action;
import io.pvkit.conformance.property.Gens;
import io.pvkit.conformance.property.Property;
import io.pvkit.conformance.property.StateMachine;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static io.pvkit.conformance.ring.RingTestProtocol.CRC;
import static io.pvkit.conformance.ring.RingTestProtocol.OP;
import static io.pvkit.conformance.ring.RingTestProtocol.RSP_LEN;
import static io.pvkit.conformance.ring.RingTestProtocol.TYPE;
import static io.pvkit.conformance.ring.RingTestProtocol.U32;
import static io.pvkit.conformance.ring.RingTestProtocol.U64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * Your frontend stamps each request's id field with a shadow index in {@code [0, size)}, as blkfront does.
 */
public abstract class FrontRingVerification {

    private static final long REQ_PROD = SharedRingLayout.REQ_PROD_OFFSET;
    private static final long REQ_EVENT = SharedRingLayout.REQ_EVENT_OFFSET;
    private static final long RSP_PROD = SharedRingLayout.RSP_PROD_OFFSET;
    private static final long RSP_EVENT = SharedRingLayout.RSP_EVENT_OFFSET;
    private static final int NEAR_WRAP = 0xFFFFFFF0;
    /** A request word beyond the response's bytes: only a read-back of the request touches it. */
    private static final long PAYLOAD_WORD = 32;

    private final RingVerificationSupport pages = new RingVerificationSupport() { };

    /** For subclasses. */
    protected FrontRingVerification() {
    }

    /**
     * Initialises the shared ring at {@code startIndex} ({@code SHARED_RING_INIT} with both producers at
     * {@code startIndex} and both events at {@code startIndex + 1}; at 0 this is {@code XEN_FRONT_RING_INIT})
     * and returns your frontend attached there.
     *
     * @param memory the ring area (possibly hostile); every shared access must go through it
     * @param type entry sizes and id fields
     * @param startIndex the starting index
     * @param validator the protocol checks your frontend applies to each response (against its shadow request)
     * @return the front ring under test
     */
    protected abstract FrontRing createFrontRing(MemoryAccess memory, RingType type, int startIndex,
                                                 FrontRing.ResponseValidator validator);

    /**
     * Capability hook: whether the frontend applies a response validator (FE-04, FE-07). Return false to
     * skip those rules.
     *
     * @return true by default
     */
    protected boolean validatesResponses() {
        return true;
    }

    /** Closes the pages of the test. */
    @AfterEach
    public void closePages() {
        pages.close();
    }

    // ---------------------------------------------------------------- plumbing

    private final class Fixture {
        final MemorySegment page;
        final FrontRing ring;
        final int size;
        final int start;
        int rspProd;
        int reqCons;
        final List<MemorySegment> requests = new ArrayList<>();
        final List<Integer> completed = new ArrayList<>();

        Fixture(int start, MemoryAccess view, MemorySegment page) {
            this.page = page;
            this.start = start;
            this.ring = createFrontRing(view, TYPE, start, RingTestProtocol.VALIDATOR);
            this.size = ring.size();
            this.rspProd = start;
            this.reqCons = start;
        }

        int put(int n, int op) {
            int last = -1;
            for (int i = 0; i < n; i++) {
                MemorySegment r = RingTestProtocol.request(op, requests.size());
                last = ring.putRequest(r);
                assertTrue(last >= 0 && last < size, "request id " + last + " is not a shadow index in [0, " + size + ")");
                requests.add(r);
            }
            return last;
        }

        /** The kit consumes the published requests (copying each slot) and returns the copies. */
        List<MemorySegment> consume() {
            int prod = RingTestProtocol.getInt(page, REQ_PROD);
            List<MemorySegment> got = new ArrayList<>();
            while (reqCons != prod) {
                MemorySegment c = MemorySegment.ofArray(new long[RingTestProtocol.REQUEST_SIZE / 8]);
                MemorySegment.copy(page, RingTestProtocol.slot(reqCons, size), c, 0, RingTestProtocol.REQUEST_SIZE);
                got.add(c);
                reqCons++;
            }
            return got;
        }

        /** The kit writes a response at rsp_prod and publishes it (io/ring.h push); returns notify. */
        boolean respond(MemorySegment response) {
            int old = rspProd;
            RingTestProtocol.writeResponse(page, size, rspProd++, response);
            return RingTestProtocol.pushAndCheck(page, RSP_PROD, RSP_EVENT, old, rspProd);
        }

        int poll() {
            return ring.pollResponses((id, r) -> completed.add(id), Integer.MAX_VALUE);
        }
    }

    private Fixture fixture(int start) {
        MemorySegment page = pages.newPage(1);
        return new Fixture(start, GuestMemory.wrap(page), page);
    }

    // ---------------------------------------------------------------- FE-01 .. FE-07

    /**
     * <a href="../../../../../RULES.md#fe-01">FE-01</a>: the backend sets {@code rsp_prod} RING_SIZE+1 ahead, and
     * (separately) one response beyond the single published request.
     *
     * <p>If this fails, check: {@code RING_RESPONSE_PROD_OVERFLOW} on the value read, and that responses never
     * outnumber the published requests; the ring stays broken.
     */
    @Test
    public void required_FE_01_frontendStopsOnResponseProducerOverflow() {
        for (int ahead : new int[] {-1, 2}) {
            Fixture f = fixture(NEAR_WRAP);
            f.put(1, 1);
            f.ring.pushRequests();
            int bad = f.start + (ahead < 0 ? f.size + 1 : ahead);
            RingTestProtocol.setIntRelease(f.page, RSP_PROD, bad);
            RingVerificationSupport.assertBreaks("rsp_prod " + Integer.toUnsignedString(bad), f::poll, f.ring::state);
            assertTrue(f.completed.isEmpty(), "responses consumed from an overflowing ring");
        }
        // hostile memory: rsp_prod overflows on its first read and looks empty afterwards
        MemorySegment page = pages.newPage(1);
        HostileMemory hostile = new HostileMemory(page);
        Fixture h = new Fixture(NEAR_WRAP, hostile, page);
        h.put(1, 1);
        h.ring.pushRequests();
        hostile.script(RSP_PROD, n -> n == 0 ? NEAR_WRAP + h.size + 1 : NEAR_WRAP);
        RingVerificationSupport.assertBreaks("rsp_prod overflowing on its first read only", h::poll, h.ring::state);
        assertTrue(h.completed.isEmpty());
    }

    /**
     * <a href="../../../../../RULES.md#fe-02">FE-02</a>: a response id equal to the ring size, and one of 2^40.
     *
     * <p>If this fails, check: the id from the private copy is range-checked (unsigned) before indexing the shadow.
     */
    @Test
    public void required_FE_02_outOfRangeResponseIdBreaksRing() {
        for (long id : new long[] {32, 1L << 40, -1L}) {
            Fixture f = fixture(0);
            f.put(1, 1);
            f.ring.pushRequests();
            MemorySegment rsp = RingTestProtocol.answer(f.consume().get(0));
            rsp.set(U64, 0, id == 32 ? f.size : id);
            f.respond(rsp);
            RingVerificationSupport.assertBreaks("response id " + Long.toUnsignedString(id), f::poll, f.ring::state);
            assertTrue(f.completed.isEmpty());
        }
    }

    /**
     * <a href="../../../../../RULES.md#fe-03">FE-03</a>: a duplicate completion of an id, and a completion of an id
     * that was never issued.
     *
     * <p>If this fails, check: the shadow marks ids in flight; a response for an id not in flight breaks the ring.
     */
    @Test
    public void required_FE_03_unknownOrDuplicateResponseIdBreaksRing() {
        Fixture f = fixture(0);
        f.put(2, 1);
        f.ring.pushRequests();
        List<MemorySegment> reqs = f.consume();
        f.respond(RingTestProtocol.answer(reqs.get(0)));
        f.respond(RingTestProtocol.answer(reqs.get(0)));
        RingVerificationSupport.assertBreaks("duplicate id", f::poll, f.ring::state);
        assertEquals(1, f.completed.size(), "exactly the first completion is delivered");

        Fixture g = fixture(0);
        int used = g.put(1, 1);
        g.ring.pushRequests();
        MemorySegment rsp = RingTestProtocol.answer(g.consume().get(0));
        rsp.set(U64, 0, (used + 1) % g.size);
        g.respond(rsp);
        RingVerificationSupport.assertBreaks("never-issued id", g::poll, g.ring::state);
        assertTrue(g.completed.isEmpty());
    }

    /**
     * <a href="../../../../../RULES.md#fe-04">FE-04</a>: a response whose op differs from its request's.
     *
     * <p>If this fails, check: each response is checked against the private shadow of its request before use.
     */
    @Test
    public void required_FE_04_wrongOperationBreaksRing() {
        Assumptions.assumeTrue(validatesResponses(), "the frontend declares no response validation");
        Fixture f = fixture(0);
        f.put(1, 3);
        f.ring.pushRequests();
        MemorySegment rsp = RingTestProtocol.answer(f.consume().get(0));
        rsp.set(U32, OP, 4);
        f.respond(rsp);
        RingVerificationSupport.assertBreaks("op mismatch", f::poll, f.ring::state);
        assertTrue(f.completed.isEmpty());
    }

    /**
     * <a href="../../../../../RULES.md#fe-05">FE-05</a>: the backend changes the response id and len right after the
     * frontend's first read of the slot.
     *
     * <p>If this fails, check: the response is copied once ({@code RING_COPY_RESPONSE}) and only the copy is
     * validated and handed out.
     */
    @Test
    public void required_FE_05_responsesAreCopiedOnceBeforeUse() {
        MemorySegment page = pages.newPage(1);
        HostileMemory hostile = new HostileMemory(page);
        Fixture f = new Fixture(0, hostile, page);
        int id = f.put(1, 1);
        f.ring.pushRequests();
        long slot = RingTestProtocol.slot(0, f.size);
        hostile.changeAfterFirstRead(slot, 8, 1L << 40).changeAfterFirstRead(slot + RSP_LEN, 4, 0x7FFFFFFF);
        MemorySegment rsp = RingTestProtocol.answer(f.consume().get(0));
        f.respond(rsp);
        List<long[]> seen = new ArrayList<>();
        f.ring.pollResponses((rid, r) -> seen.add(new long[] {rid, r.get(U64, 0), r.get(U32, RSP_LEN), r.get(U32, RSP_LEN)}),
                Integer.MAX_VALUE);
        assertEquals(1, seen.size(), "the genuine response must be delivered");
        assertEquals(id, seen.get(0)[0]);
        assertEquals(id, seen.get(0)[1], "the handler saw an id written after the first read");
        assertTrue(seen.get(0)[2] <= RingTestProtocol.PAYLOAD, "the handler saw a len written after the first read");
        assertEquals(1, hostile.reads(slot), "response id reads");
    }

    /**
     * <a href="../../../../../RULES.md#fe-06">FE-06</a>: after pushing, the request slots are never read by the
     * frontend, and a backend rewriting them changes nothing the frontend reports.
     *
     * <p>If this fails, check: the frontend keeps a private shadow of each request and never reads the ring
     * page to learn what it asked for.
     */
    @Test
    public void required_FE_06_requestsAreNeverReadBack() {
        MemorySegment page = pages.newPage(1);
        HostileMemory hostile = new HostileMemory(page);
        Fixture f = new Fixture(0, hostile, page);
        for (int i = 0; i < 4; i++) {
            hostile.field(RingTestProtocol.slot(i, f.size) + OP, 4);
            hostile.field(RingTestProtocol.slot(i, f.size) + PAYLOAD_WORD, 4);
        }
        f.put(4, 5);
        f.ring.pushRequests();
        List<MemorySegment> reqs = f.consume();
        for (int i = 0; i < 4; i++) {
            // the backend scribbles over the request part beyond the response before answering
            page.asSlice(RingTestProtocol.slot(i, f.size) + RingTestProtocol.RESPONSE_SIZE,
                    RingTestProtocol.REQUEST_SIZE - RingTestProtocol.RESPONSE_SIZE).fill((byte) 0xEE);
        }
        for (MemorySegment r : reqs) {
            f.respond(RingTestProtocol.answer(r));
        }
        assertEquals(4, f.poll());
        for (int i = 0; i < 4; i++) {
            assertEquals(0, hostile.reads(RingTestProtocol.slot(i, f.size) + PAYLOAD_WORD),
                    "the frontend read its request's payload back from slot " + i);
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(1, hostile.reads(RingTestProtocol.slot(i, f.size) + OP),
                    "slot " + i + ": op must be read exactly once, as part of the response copy");
        }
    }

    /**
     * <a href="../../../../../RULES.md#fe-07">FE-07</a>: a response reports a length beyond its request's buffer.
     *
     * <p>If this fails, check: response lengths are validated against the request's buffer before use.
     */
    @Test
    public void required_FE_07_oversizedLengthIsRejected() {
        Assumptions.assumeTrue(validatesResponses(), "the frontend declares no response validation");
        Fixture f = fixture(0);
        f.put(1, 1);
        f.ring.pushRequests();
        MemorySegment rsp = RingTestProtocol.answer(f.consume().get(0));
        rsp.set(U32, RSP_LEN, RingTestProtocol.PAYLOAD + 1);
        f.respond(rsp);
        RingVerificationSupport.assertBreaks("len beyond the buffer", f::poll, f.ring::state);
        assertTrue(f.completed.isEmpty());
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

    // ---------------------------------------------------------------- wrap and protocol rules

    /**
     * <a href="../../../../../RULES.md#ring-03">RING-03</a> (frontend side): a full ring across 2^32 reports full,
     * refuses one more request, and round-trips exactly as from 0.
     *
     * <p>If this fails, check: {@code RING_FREE_REQUESTS} with unsigned arithmetic; full is
     * {@code req_prod_pvt - rsp_cons == size}.
     */
    @Test
    public void required_RING_03_frontendWrapAndFullRing() {
        List<List<Integer>> runs = new ArrayList<>();
        for (int start : new int[] {0, NEAR_WRAP}) {
            Fixture f = fixture(start);
            for (int round = 0; round < 3; round++) {
                f.put(f.size, 1);
                assertEquals(0, f.ring.freeRequests(), "a full ring has no free request");
                assertEquals(FrontRing.RING_FULL, f.ring.putRequest(RingTestProtocol.request(1, 1)));
                f.ring.pushRequests();
                List<MemorySegment> reqs = f.consume();
                assertEquals(f.size, reqs.size(), "a full ring must publish " + f.size + " requests");
                for (MemorySegment r : reqs) {
                    assertTrue(RingTestProtocol.intact(r));
                    f.respond(RingTestProtocol.answer(r));
                }
                assertEquals(f.size, f.poll());
            }
            runs.add(f.completed);
        }
        assertEquals(runs.get(0), runs.get(1), "start 0xFFFFFFF0 behaved differently from start 0");
    }

    /**
     * <a href="../../../../../RULES.md#ring-20">RING-20</a> (frontend side): requests land at {@code 64 + i * slot}.
     *
     * <p>If this fails, check: slot size (C union) and header size.
     */
    @Test
    public void required_RING_20_requestsAreWrittenAtIoRingHOffsets() {
        Fixture f = fixture(0);
        f.put(f.size, 1);
        f.ring.pushRequests();
        assertEquals(32, f.size, "64-byte slots in one page");
        for (int i = 0; i < f.size; i++) {
            MemorySegment slot = f.page.asSlice(SharedRingLayout.HEADER_SIZE + (long) i * TYPE.slotSize(), RingTestProtocol.REQUEST_SIZE);
            assertEquals(f.requests.get(i).get(U32, CRC), slot.get(U32, CRC), "request " + i + " is not in slot " + i);
        }
    }

    /**
     * <a href="../../../../../RULES.md#ring-21">RING-21</a> (frontend side): initialisation writes
     * {@code SHARED_RING_INIT} at the start index and zeroes {@code pvt} and the padding.
     *
     * <p>If this fails, check: producers = start, events = start + 1, bytes 16..63 zero, slots untouched.
     */
    @Test
    public void required_RING_21_frontendInitialisesSharedHeader() {
        for (int start : new int[] {0, NEAR_WRAP}) {
            MemorySegment page = pages.newPage(1);
            page.fill((byte) 0x77);
            createFrontRing(GuestMemory.wrap(page), TYPE, start, RingTestProtocol.VALIDATOR);
            assertEquals(start, RingTestProtocol.getInt(page, REQ_PROD), "req_prod");
            assertEquals(start, RingTestProtocol.getInt(page, RSP_PROD), "rsp_prod");
            assertEquals(start + 1, RingTestProtocol.getInt(page, REQ_EVENT), "req_event");
            assertEquals(start + 1, RingTestProtocol.getInt(page, RSP_EVENT), "rsp_event");
            assertArrayEquals(new byte[48], page.asSlice(16, 48).toArray(ValueLayout.JAVA_BYTE), "pvt and __pad");
            assertEquals((byte) 0x77, page.get(ValueLayout.JAVA_BYTE, 64), "slots must not be touched");
        }
    }

    /**
     * <a href="../../../../../RULES.md#ring-22">RING-22</a> (frontend side), property-based: {@code pushRequests}
     * notifies exactly when {@code req_event} lies in (old, new].
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
                        assertEquals(c[0] + c[1], RingTestProtocol.getInt(f.page, REQ_PROD));
                        assertFalse(f.ring.pushRequests(), "an empty push must not notify");
                    } finally {
                        pages.close();
                    }
                });
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
            assertEquals(n, f.poll());
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
        assertEquals(1, h.poll());
    }

    /**
     * <a href="../../../../../RULES.md#ring-05">RING-05</a> (frontend side): {@code rsp_prod} is read once per
     * batch of 20 responses.
     *
     * <p>If this fails, check: the response loop compares against a local copy of {@code rsp_prod}, not the
     * shared field.
     */
    @Test
    public void required_RING_05_responseProducerReadOncePerBatch() {
        MemorySegment page = pages.newPage(1);
        HostileMemory hostile = new HostileMemory(page);
        Fixture f = new Fixture(0, hostile, page);
        f.put(20, 1);
        f.ring.pushRequests();
        for (MemorySegment r : f.consume()) {
            f.respond(RingTestProtocol.answer(r));
        }
        hostile.field(RSP_PROD, 4);
        hostile.resetReads();
        assertEquals(20, f.poll());
        assertEquals(20, f.completed.size());
        assertEquals(1, hostile.reads(RSP_PROD), "rsp_prod reads in one batch");
    }
}
