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
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingFault;
import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingIndex;
import io.pvkit.rings.RingState;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.pvkit.conformance.ring.RingTestProtocol.CRC;
import static io.pvkit.conformance.ring.RingTestProtocol.OP;
import static io.pvkit.conformance.ring.RingTestProtocol.RSP_LEN;
import static io.pvkit.conformance.ring.RingTestProtocol.TYPE;
import static io.pvkit.conformance.ring.RingTestProtocol.U32;
import static io.pvkit.conformance.ring.RingTestProtocol.U64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
 */
public abstract class FrontRingVerification {

    private static final long REQ_PROD = SharedRingLayout.REQ_PROD_OFFSET;
    private static final long REQ_EVENT = SharedRingLayout.REQ_EVENT_OFFSET;
    private static final long RSP_PROD = SharedRingLayout.RSP_PROD_OFFSET;
    private static final long RSP_EVENT = SharedRingLayout.RSP_EVENT_OFFSET;
    private static final int NEAR_WRAP = 0xFFFFFFF0;
    /** The kit requirement every id failure names, so that a frontend with other ids knows why it fails. */
    private static final String SHADOW_IDS = "The frontend verification requires blkfront-style ids: putRequest returns a "
            + "shadow index in [0, size()) and stamps that same value into the request's id field (RingType.requestId()), "
            + "and the backend echoes it in the response; the kit forges responses with such ids (FE-02, FE-03, RING-14). "
            + "If your ring uses other ids, adapt them in your createFrontRing adapter.";
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

    /**
     * Capability hook: whether your frontend can attach to a live ring ({@code FRONT_RING_ATTACH}, RING-21's attach
     * check). Return true and override {@link #attachFrontRing} to have it checked.
     *
     * @return false by default
     */
    protected boolean attachesFrontRings() {
        return false;
    }

    /**
     * {@code FRONT_RING_ATTACH}: your frontend attached to a live ring whose header is already initialised, with
     * {@code req_prod_pvt = rsp_cons = index}. It must not write the shared page. Called only when
     * {@link #attachesFrontRings()} is true.
     *
     * @param memory the ring area; every shared access must go through it
     * @param type entry sizes and id fields
     * @param index the index both producers of the live ring are at
     * @param validator the protocol checks your frontend applies to each response (against its shadow request)
     * @return the attached front ring
     */
    protected FrontRing attachFrontRing(MemoryAccess memory, RingType type, int index, FrontRing.ResponseValidator validator) {
        throw new UnsupportedOperationException("attachesFrontRings() is true but attachFrontRing is not overridden");
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
        final List<Integer> putIds = new ArrayList<>();
        final List<Integer> completed = new ArrayList<>();

        Fixture(int start, MemoryAccess view, MemorySegment page) {
            this.page = page;
            this.start = start;
            this.ring = createFrontRing(view, RingTestProtocol.type(), start, RingTestProtocol.VALIDATOR);
            this.size = ring.size();
            this.rspProd = start;
            this.reqCons = start;
        }

        int put(int n, int op) {
            int last = -1;
            for (int i = 0; i < n; i++) {
                MemorySegment r = RingTestProtocol.request(op, requests.size());
                last = ring.putRequest(r);
                if (last < 0 || last >= size) {
                    fail(SHADOW_IDS + " putRequest returned id " + last + ", which is not a shadow index in [0, " + size + ")");
                }
                requests.add(r);
                putIds.add(last);
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
                int k = (int) RingIndex.distance(start, reqCons);
                if (k < putIds.size() && c.get(U64, 0) != putIds.get(k)) {
                    fail(SHADOW_IDS + " Request " + k + " was returned id " + putIds.get(k) + " by putRequest, but the id "
                            + "field (" + TYPE.requestId() + ") of the slot io/ring.h assigns to index "
                            + Integer.toUnsignedString(reqCons) + " (byte " + RingTestProtocol.slot(reqCons, size) + ") holds "
                            + Long.toUnsignedString(c.get(U64, 0)) + ": either the id is not the shadow index, or the "
                            + "request was not written at 64 + (index & (size-1)) * slotSize (RING-20).");
                }
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
            // the same rsp_prod seen first by the non-consuming operations
            for (String action : List.of("hasUnconsumedResponses", "finalCheckForResponses")) {
                Fixture g = fixture(NEAR_WRAP);
                g.put(1, 1);
                g.ring.pushRequests();
                RingTestProtocol.setIntRelease(g.page, RSP_PROD, bad);
                boolean[] work = {false};
                RingVerificationSupport.assertBreaks("FE-01: " + action + "() with rsp_prod " + Integer.toUnsignedString(bad)
                        + " (validate rsp_prod in every operation that reads it)", () -> work[0] =
                                action.equals("hasUnconsumedResponses") ? g.ring.hasUnconsumedResponses()
                                        : g.ring.finalCheckForResponses(), g.ring::state);
                assertFalse(work[0], "FE-01: " + action + "() reported work for an invalid rsp_prod");
            }
        }
        // hostile memory: rsp_prod overflows on its first read and looks empty afterwards
        MemorySegment page = pages.newPage(1);
        HostileMemory hostile = new HostileMemory(page);
        Fixture h = new Fixture(NEAR_WRAP, hostile, page);
        h.put(1, 1);
        h.ring.pushRequests();
        hostile.script(RSP_PROD, n -> n == 0 ? NEAR_WRAP + h.size + 1 : NEAR_WRAP);
        RingVerificationSupport.assertBreaks("rsp_prod overflowing on its first read only", h::poll, h.ring::state);
        assertTrue(h.completed.isEmpty(), "FE-01: the frontend completed " + h.completed + " although rsp_prod overflowed "
                + "on the first read; validate the value read once, before any slot");
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
            RingVerificationSupport.assertBreaks("FE-02: response id " + Long.toUnsignedString(id) + " with ring size "
                    + f.size, f::poll, f.ring::state);
            assertTrue(f.completed.isEmpty(), "FE-02: the frontend completed " + f.completed + " for an out-of-range id");
        }
    }

    /**
     * <a href="../../../../../RULES.md#fe-03">FE-03</a>: a duplicate completion of an id, and a completion of an id
     * that was never issued.
     *
     * Then a completed id (and ids -1 and {@code size}) must be refused by {@code outstandingRequest}.
     *
     * <p>If this fails, check: the shadow marks ids in flight; a response for an id not in flight breaks the ring;
     * {@code outstandingRequest} range-checks the id and refuses one that is not in flight.
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
        assertTrue(g.completed.isEmpty(), "FE-03: the frontend completed " + g.completed + " for a never-issued id");

        // a completed id is no longer outstanding: its shadow is gone (outstandingRequest refuses it)
        Fixture h = fixture(0);
        int first = h.put(1, 1);
        int second = h.put(1, 2);
        h.ring.pushRequests();
        List<MemorySegment> two = h.consume();
        assertEquals(2, h.ring.outstandingRequest(second).get(U32, OP), "FE-03: outstandingRequest(" + second
                + ") must be the shadow of the outstanding request with op 2");
        h.respond(RingTestProtocol.answer(two.get(0)));
        assertEquals(1, h.poll(), "FE-03: one genuine response");
        for (int id : new int[] {first, -1, h.size}) {
            try {
                MemorySegment stale = h.ring.outstandingRequest(id);
                fail("FE-03: outstandingRequest(" + id + ") returned " + stale + ", but id " + id + " is not outstanding ("
                        + (id == first ? "its response was consumed" : "out of range") + "); throw IllegalArgumentException");
            } catch (IllegalArgumentException expected) {
                // not outstanding
            }
        }
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
        RingVerificationSupport.assertBreaks("FE-04: response op 4 for a request with op 3 (the validator passed to "
                + "createFrontRing rejects it)", f::poll, f.ring::state);
        assertTrue(f.completed.isEmpty(), "FE-04: the frontend completed " + f.completed + " with a mismatched op");

        // each response is checked against its own request's shadow: four requests with different ops are
        // outstanding at once and answered out of order
        Fixture g = fixture(0);
        int[] ids = new int[4];
        for (int i = 0; i < 4; i++) {
            ids[i] = g.put(1, 10 + i);
        }
        g.ring.pushRequests();
        List<MemorySegment> reqs = g.consume();
        int[] order = {2, 0, 3, 1};
        List<String> expected = new ArrayList<>();
        for (int k : order) {
            g.respond(RingTestProtocol.answer(reqs.get(k)));
            expected.add("id " + ids[k] + ": request op " + (10 + k) + ", response op " + (10 + k));
        }
        List<String> seen = new ArrayList<>();
        int polled = g.ring.pollResponses((id, r) -> seen.add("id " + id + ": request op "
                + g.ring.outstandingRequest(id).get(U32, OP) + ", response op " + r.get(U32, OP)), Integer.MAX_VALUE);
        assertEquals(4, polled, "FE-04: four genuine responses to requests with ops 10..13, answered out of order, "
                + "must all be accepted; the frontend consumed " + polled + " (state " + g.ring.state() + "): check each "
                + "response against the shadow of the request its id names, one shadow per id");
        assertEquals(expected, seen, "FE-04: the handler's outstandingRequest(id) must be the request of that id");
        // a response carrying the op of another outstanding request is still a mismatch
        Fixture h = fixture(0);
        h.put(1, 20);
        h.put(1, 21);
        h.ring.pushRequests();
        List<MemorySegment> two = h.consume();
        MemorySegment crossed = RingTestProtocol.answer(two.get(0));
        crossed.set(U32, OP, 21);
        h.respond(crossed);
        RingVerificationSupport.assertBreaks("FE-04: the response to the request with op 20 carries op 21, the op of "
                + "the other outstanding request (validate against the shadow of the id answered, not the last put)",
                h::poll, h.ring::state);
        assertTrue(h.completed.isEmpty(), "FE-04: the frontend completed " + h.completed + " with another request's op");
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
        assertEquals(id, seen.get(0)[0], "FE-05: the handler was called with another id than the request's");
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
        int polled = f.poll();
        assertEquals(4, polled, "FE-06: 4 genuine responses were published; the frontend consumed " + polled);
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
        RingVerificationSupport.assertBreaks("FE-07: response len " + (RingTestProtocol.PAYLOAD + 1)
                + " beyond the request's buffer of " + RingTestProtocol.PAYLOAD + " (the validator passed to createFrontRing "
                + "rejects it)", f::poll, f.ring::state);
        assertTrue(f.completed.isEmpty(), "FE-07: the frontend completed " + f.completed + " with an oversized len");
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
     * <a href="../../../../../RULES.md#ring-14">RING-14</a>: the frontend puts and pushes one request, then puts a
     * second one without pushing it; the backend answers both (it can read the unpushed slot, or guess its id)
     * and publishes {@code rsp_prod = start + 2}.
     *
     * <p>If this fails, check: {@code rsp_prod} is bounded by the {@code req_prod} last <em>published</em> by
     * a push, not by the private {@code req_prod_pvt}; a shadow entry marked in flight at put time is not
     * yet answerable.
     */
    @Test
    public void required_RING_14_frontendRejectsResponsesForUnpushedRequests() {
        Fixture f = fixture(NEAR_WRAP);
        f.put(1, 1);
        f.ring.pushRequests();
        MemorySegment first = f.consume().get(0);
        int unpushed = f.put(1, 1);
        MemorySegment forged = RingTestProtocol.answer(f.requests.get(1));
        forged.set(U64, 0, unpushed);
        RingTestProtocol.writeResponse(f.page, f.size, f.start, RingTestProtocol.answer(first));
        RingTestProtocol.writeResponse(f.page, f.size, f.start + 1, forged);
        RingTestProtocol.setIntRelease(f.page, RSP_PROD, f.start + 2);
        RingVerificationSupport.assertBreaks("RING-14: rsp_prod = published req_prod + 1 (one response for the request "
                + "put but not pushed, id " + unpushed + ")", f::poll, f.ring::state);
        assertFalse(f.completed.contains(unpushed), "RING-14: the frontend completed id " + unpushed
                + ", a request it had put but not pushed; bound rsp_prod by the published req_prod");
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

    // ---------------------------------------------------------------- wrap and protocol rules

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
            MemorySegment slot = f.page.asSlice(SharedRingLayout.HEADER_SIZE + (long) i * RingTestProtocol.SLOT_SIZE,
                    RingTestProtocol.REQUEST_SIZE);
            assertEquals(f.requests.get(i).get(U32, CRC), slot.get(U32, CRC), "request " + i + " is not in slot " + i);
        }
        // other entry sizes, slot sizes as literals: blkif-like (112-byte requests, 16-byte responses: slot 112) and
        // responses larger than requests (32 / 96: slot 96, a request fills a third of its slot)
        record Case(RingType type, int slot) { }
        for (Case c : List.of(new Case(new RingType("blkif", 112, 16, 8, TYPE.requestId(), TYPE.responseId()), 112),
                new Case(new RingType("wide_rsp", 32, 96, 8, TYPE.requestId(), TYPE.responseId()), 96))) {
            frontEntriesAtLiteralOffsets(c.type(), c.slot());
        }
        // a ring area of 64 + 63 bytes holds no 64-byte slot (__RING_SIZE 0); 64 + 64 bytes hold exactly one
        MemorySegment page = pages.newPage(1);
        try {
            FrontRing none = createFrontRing(RingVerificationSupport.truncated(page, 127), TYPE, 0, RingTestProtocol.VALIDATOR);
            fail("RING-20: a front ring over 127 bytes (no 64-byte slot after the 64-byte header) was created with size "
                    + none.size() + "; refuse it with IllegalArgumentException (a ring of 0 slots masks indices with -1)");
        } catch (IllegalArgumentException expected) {
            // __RING_SIZE is 0: no ring
        }
        FrontRing one = createFrontRing(RingVerificationSupport.truncated(page, 128), TYPE, 0, RingTestProtocol.VALIDATOR);
        assertEquals(1, one.size(), "RING-20: __RING_SIZE of a 128-byte ring area with 64-byte slots");
    }

    /**
     * A full ring of requests of {@code type}, each at {@code 64 + i * slot}; the kit answers all, the frontend takes
     * one response, puts one more request (into the first slot again, while the next slot still holds an
     * unconsumed response) and then takes the rest: every response must complete its own id, in order.
     */
    private void frontEntriesAtLiteralOffsets(RingType type, int slot) {
        MemorySegment page = pages.newPage(1);
        FrontRing ring = createFrontRing(GuestMemory.wrap(page), type, 0, FrontRing.ResponseValidator.ACCEPT_ALL);
        int size = ring.size();
        assertEquals(32, size, "RING-20: __RING_SIZE of one page with " + slot + "-byte slots (" + type + ")");
        assertEquals(type, ring.type(), "RING-20: type() must be the ring type the ring was created with");
        int[] ids = new int[size + 1];
        for (int i = 0; i < size; i++) {
            ids[i] = ring.putRequest(entry(type.requestSize(), 0, i + 1));
        }
        ring.pushRequests();
        for (int i = 0; i < size; i++) {
            assertEntryAt(page, 64L + (long) i * slot, type.requestSize(), ids[i], i + 1,
                    "RING-20: request " + i + " of " + type + " must be at byte 64 + " + i + " * " + slot);
        }
        for (int i = 0; i < size; i++) {
            MemorySegment response = entry(type.responseSize(), ids[i], 0x40 + i);
            response.set(U32, OP, page.get(U32, 64L + (long) i * slot + OP));   // the request's op, as a backend echoes it
            MemorySegment.copy(response, 0, page, 64L + (long) i * slot, type.responseSize());
        }
        RingTestProtocol.setIntRelease(page, RSP_PROD, size);
        List<Integer> completed = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        FrontRing.ResponseHandler handler = (id, r) -> {
            int k = completed.size();
            completed.add(id);
            if (r.get(ValueLayout.JAVA_BYTE, type.responseSize() - 1) != (byte) (0x40 + k)) {
                bad.add("response " + k + " (id " + id + ")");
            }
        };
        assertEquals(1, ring.pollResponses(handler, 1), "RING-20: the first response of " + type);
        ids[size] = ring.putRequest(entry(type.requestSize(), 0, 0x77));
        ring.pushRequests();
        assertEntryAt(page, 64L, type.requestSize(), ids[size], 0x77, "RING-20: request " + size + " of " + type
                + " must be at byte 64 again (index " + size + " of a ring of " + size + ")");
        assertEquals(size - 1, ring.pollResponses(handler, Integer.MAX_VALUE), "RING-20: the other responses of " + type);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            expected.add(ids[i]);
        }
        assertEquals(expected, completed, "RING-20: the ids completed by the responses of " + type + " (each response "
                + "at 64 + i * " + slot + "; putting a request must not touch the slots after its own)");
        assertEquals(List.of(), bad, "RING-20: responses of " + type + " delivered with other bytes than the kit wrote");
    }

    /** An entry of {@code bytes} bytes: u64 {@code id} at 0, then bytes of value {@code fill}. */
    private static MemorySegment entry(int bytes, long id, int fill) {
        MemorySegment e = MemorySegment.ofArray(new byte[bytes]);
        e.fill((byte) fill);
        e.set(U64, 0, id);
        return e;
    }

    private static void assertEntryAt(MemorySegment page, long offset, int bytes, long id, int fill, String what) {
        assertEquals(id, page.get(U64, offset), what + ": the id field. " + SHADOW_IDS);
        byte[] rest = new byte[bytes - 8];
        java.util.Arrays.fill(rest, (byte) fill);
        assertArrayEquals(rest, page.asSlice(offset + 8, bytes - 8).toArray(ValueLayout.JAVA_BYTE), what + ": its bytes");
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
     * <a href="../../../../../RULES.md#ring-21">RING-21</a> (frontend attach, when {@link #attachesFrontRings()}): the
     * kit initialises a ring at 0x1234 and fills the padding and the slots with a pattern; attaching must write nothing
     * to the shared page and start at that index: the first request goes into the slot of 0x1234 and the kit's response
     * to it completes it.
     *
     * <p>If this fails, check: {@code FRONT_RING_ATTACH} sets private state only ({@code req_prod_pvt = rsp_cons =
     * index}); it never writes {@code SHARED_RING_INIT}.
     */
    @Test
    public void optional_RING_21_frontendAttachWritesNothing() {
        Assumptions.assumeTrue(attachesFrontRings(), "the frontend declares no FRONT_RING_ATTACH");
        MemorySegment page = pages.newPage(1);
        final int index = 0x1234;
        RingTestProtocol.sharedRingInit(page, index);
        page.set(ValueLayout.JAVA_INT, 16, 0x5A5A5A5A);
        for (int i = 64; i < 4096; i++) {
            page.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        byte[] before = page.toArray(ValueLayout.JAVA_BYTE);
        FrontRing ring = attachFrontRing(GuestMemory.wrap(page), RingTestProtocol.type(), index, RingTestProtocol.VALIDATOR);
        assertNotNull(ring, "RING-21: attachFrontRing returned null although attachesFrontRings() is true");
        assertArrayEquals(before, page.toArray(ValueLayout.JAVA_BYTE), "RING-21: FRONT_RING_ATTACH changed the shared page");
        assertEquals(index, ring.requestProducerIndex(), "RING-21: requestProducerIndex() (req_prod_pvt) after attaching at "
                + index);
        assertEquals(index, ring.responseConsumerIndex(), "RING-21: responseConsumerIndex() (rsp_cons) after attaching at "
                + index);
        int id = ring.putRequest(RingTestProtocol.request(7, 7));
        ring.pushRequests();
        assertEquals(index + 1, RingTestProtocol.getInt(page, REQ_PROD), "RING-21: req_prod after the attached frontend's "
                + "first push");
        MemorySegment slot = MemorySegment.ofArray(new long[RingTestProtocol.REQUEST_SIZE / 8]);
        MemorySegment.copy(page, RingTestProtocol.slot(index, ring.size()), slot, 0, RingTestProtocol.REQUEST_SIZE);
        assertEquals(id, slot.get(U64, 0), "RING-21: the first request after attaching at " + index + " must be in the slot "
                + "of index " + index + ". " + SHADOW_IDS);
        RingTestProtocol.writeResponse(page, ring.size(), index, RingTestProtocol.answer(slot));
        RingTestProtocol.setIntRelease(page, RSP_PROD, index + 1);
        List<Integer> completed = new ArrayList<>();
        ring.pollResponses((rid, r) -> completed.add(rid), Integer.MAX_VALUE);
        assertEquals(List.of(id), completed, "RING-21: the response at index " + index + " completes the attached "
                + "frontend's first request");
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
        int polled = f.poll();
        assertEquals(20, polled, "RING-05: 20 responses were published; one pollResponses(handler, MAX_VALUE) consumed "
                + polled + " (a batch must consume everything published)");
        int reads = hostile.reads(RSP_PROD);
        assertEquals(1, reads, "RING-05: the frontend read rsp_prod " + reads + " times while consuming one batch of 20 "
                + "responses; read it once per batch into a local, validate that copy and loop against it (a peer can "
                + "change rsp_prod between reads: XSA-155)");
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

    /**
     * <a href="../../../../../RULES.md#ring-25">RING-25</a>: ring types whose ids are 2 bytes at offset 0 of both
     * entries (netif's {@code uint16_t id}), 4 bytes at offset 4, and 8 bytes at offset 24 of the request but 0 of the
     * response (ids need not sit where the other entry has them: blkif_request's is at offset 8). Six requests are put:
     * each slot must hold the request given with only its id field replaced by the returned id. They are answered out
     * of order with responses whose bytes around the id field are {@code 0xFF} (not part of the id): all must be
     * accepted, each for its id; a response whose id is the ring size must break the ring. Then 2^16 slots of 8 bytes
     * with 2-byte ids must take 65536 requests, and rings of 2^17 slots whose request id, response id or both are 2
     * bytes must be refused at creation ({@code IllegalArgumentException}) or never issue an id above 65535.
     *
     * <p>If this fails, check: the id is written and read at the id field's offset with its width (not always 8
     * bytes at offset 0), and a slot count beyond what the request or the response id field can number is rejected.
     */
    @Test
    public void required_RING_25_idsHaveTheWidthOfTheIdField() {
        idFieldsRoundTrip(new RingIdField(0, 2), new RingIdField(0, 2));
        idFieldsRoundTrip(new RingIdField(4, 4), new RingIdField(4, 4));
        idFieldsRoundTrip(new RingIdField(24, 8), new RingIdField(0, 8));

        // 2^16 slots of 8 bytes with 2-byte ids: every id fits, the ring must be usable to the last slot
        RingType exact = new RingType("u16_ids_2^16", 8, 8, 8, new RingIdField(0, 2), new RingIdField(0, 2));
        FrontRing fits = createFrontRing(GuestMemory.wrap(pages.newPage(129)), exact, 0, FrontRing.ResponseValidator.ACCEPT_ALL);
        assertEquals(65536, fits.size(), "RING-25: __RING_SIZE of 129 pages with 8-byte slots");
        MemorySegment small = MemorySegment.ofArray(new long[1]);
        for (int k = 0; k < 65536; k++) {
            int id = fits.putRequest(small);
            if (id < 0 || id > 0xFFFF) {
                fail("RING-25: request " + k + " of a ring of 65536 slots with 2-byte ids got id " + id + "; all 65536 ids "
                        + "0..65535 fit the field, so the ring must take 65536 requests");
            }
        }
        pages.close();

        // 2^17 slots of 8 bytes: ids 65536 and up do not fit a 2-byte field, whichever entry has it
        idsBeyondTheFieldAreNeverIssued(new RingType("u16_ids", 8, 8, 8, new RingIdField(0, 2), new RingIdField(0, 2)));
        idsBeyondTheFieldAreNeverIssued(new RingType("u64_req_u16_rsp_ids", 8, 8, 8, new RingIdField(0, 8),
                new RingIdField(0, 2)));
        idsBeyondTheFieldAreNeverIssued(new RingType("u16_req_u64_rsp_ids", 8, 8, 8, new RingIdField(0, 2),
                new RingIdField(0, 8)));
    }

    /** Writes {@code id} into {@code field} of {@code entry} as a C peer would: little-endian, the field's width. */
    private static void writeId(MemorySegment entry, RingIdField field, long id) {
        switch (field.width()) {
            case 2 -> entry.set(ValueLayout.JAVA_SHORT_UNALIGNED, field.offset(), (short) id);
            case 4 -> entry.set(ValueLayout.JAVA_INT_UNALIGNED, field.offset(), (int) id);
            default -> entry.set(U64, field.offset(), id);
        }
    }

    /** Reads {@code field} of {@code entry}, zero-extended, as a C peer would. */
    private static long readId(MemorySegment entry, RingIdField field) {
        return switch (field.width()) {
            case 2 -> Short.toUnsignedLong(entry.get(ValueLayout.JAVA_SHORT_UNALIGNED, field.offset()));
            case 4 -> Integer.toUnsignedLong(entry.get(ValueLayout.JAVA_INT_UNALIGNED, field.offset()));
            default -> entry.get(U64, field.offset());
        };
    }

    /** RING-25 over one pair of id fields: slots hold the request with only its id replaced; responses match by id. */
    private void idFieldsRoundTrip(RingIdField requestId, RingIdField responseId) {
        RingType type = new RingType("ids_" + requestId.width() + "@" + requestId.offset() + "_" + responseId.width() + "@"
                + responseId.offset(), RingTestProtocol.REQUEST_SIZE, RingTestProtocol.RESPONSE_SIZE, 8, requestId, responseId);
        String ids = requestId.width() + "-byte request ids at offset " + requestId.offset() + " and " + responseId.width()
                + "-byte response ids at offset " + responseId.offset();
        MemorySegment page = pages.newPage(1);
        FrontRing ring = createFrontRing(GuestMemory.wrap(page), type, NEAR_WRAP, RingTestProtocol.VALIDATOR);
        int size = ring.size();
        final long pattern = 0xA5A4_A3A2_A1A0_9F9EL;
        int n = 6;
        int[] putIds = new int[n];
        List<MemorySegment> given = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            MemorySegment r = RingTestProtocol.request(30 + i, i);
            r.set(U64, 0, pattern);
            putIds[i] = ring.putRequest(r);
            if (putIds[i] < 0 || putIds[i] >= size) {
                fail(SHADOW_IDS + " putRequest returned id " + putIds[i] + " for a ring of " + size + " slots with " + ids);
            }
            given.add(r);
        }
        ring.pushRequests();
        List<MemorySegment> published = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            MemorySegment slot = MemorySegment.ofArray(new long[RingTestProtocol.REQUEST_SIZE / 8]);
            MemorySegment.copy(page, RingTestProtocol.slot(NEAR_WRAP + i, size), slot, 0, RingTestProtocol.REQUEST_SIZE);
            long stamped = readId(slot, requestId);
            assertEquals(putIds[i], stamped, "RING-25: request " + i + " (putRequest returned id " + putIds[i] + ") of a ring "
                    + "with " + ids + ": the id field of its slot holds " + stamped + ". " + SHADOW_IDS);
            MemorySegment expected = MemorySegment.ofArray(new long[RingTestProtocol.REQUEST_SIZE / 8]);
            MemorySegment.copy(given.get(i), 0, expected, 0, RingTestProtocol.REQUEST_SIZE);
            writeId(expected, requestId, putIds[i]);
            long differs = expected.mismatch(slot);
            assertEquals(-1L, differs, "RING-25: request " + i + " of a ring with " + ids + ": byte " + differs + " of its "
                    + "slot is not the request's own (only the id field, offset " + requestId.offset() + ", width "
                    + requestId.width() + ", may change: write the id at the field's offset with its width)");
            published.add(slot);
        }
        int[] order = {3, 0, 5, 1, 4, 2};
        List<Integer> expected = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            int k = order[j];
            MemorySegment rsp = RingTestProtocol.answer(published.get(k));
            long word = responseId.offset() & ~7L;
            rsp.set(U64, word, -1L);   // the bytes around the id field are not part of it
            writeId(rsp, responseId, putIds[k]);
            RingTestProtocol.writeResponse(page, size, NEAR_WRAP + j, rsp);
            expected.add(putIds[k]);
        }
        RingTestProtocol.setIntRelease(page, RSP_PROD, NEAR_WRAP + n);
        List<Integer> completed = new ArrayList<>();
        int polled = RingVerificationSupport.survives(() -> ring.pollResponses((id, r) -> completed.add(id),
                Integer.MAX_VALUE)) ? completed.size() : -1;
        assertEquals(expected, completed, "RING-25: six responses with " + ids + " (the bytes around the field set, not "
                + "part of the id), answered out of order; the frontend completed " + completed
                + (polled < 0 ? " and broke" : "") + ": read the id at the field's offset with its width");
        // an id equal to the ring size is out of range
        ring.putRequest(given.get(0));
        ring.pushRequests();
        MemorySegment bad = RingTestProtocol.answer(given.get(0));
        writeId(bad, responseId, size);
        RingTestProtocol.writeResponse(page, size, NEAR_WRAP + n, bad);
        RingTestProtocol.setIntRelease(page, RSP_PROD, NEAR_WRAP + n + 1);
        RingVerificationSupport.assertBreaks("RING-25: response id " + size + " in a ring of " + size + " slots with " + ids,
                () -> ring.pollResponses((id, r) -> completed.add(id), Integer.MAX_VALUE), ring::state);
        pages.close();
    }

    /**
     * A ring of 2^17 slots of {@code type}, one of whose id fields is 2 bytes: refused at creation, or no id above
     * 65535 is issued (the response id field could not carry it back, or the request field could not hold it).
     */
    private void idsBeyondTheFieldAreNeverIssued(RingType type) {
        MemorySegment big = pages.newPage(257);
        FrontRing wide;
        try {
            wide = createFrontRing(GuestMemory.wrap(big), type, 0, FrontRing.ResponseValidator.ACCEPT_ALL);
        } catch (IllegalArgumentException refused) {
            pages.close();
            return;   // refused at creation: ids can never truncate
        }
        MemorySegment request = MemorySegment.ofArray(new long[1]);
        for (int k = 0; k <= 65536; k++) {
            int id = wide.putRequest(request);
            if (id == FrontRing.RING_FULL) {
                break;   // the frontend limits itself to the ids the fields can hold
            }
            assertTrue(id >= 0 && id <= 0xFFFF, "RING-25: a ring of " + wide.size() + " slots of " + type + " issued id "
                    + id + ", which a 2-byte id field cannot hold (it truncates to " + (id & 0xFFFF) + ", another request's "
                    + "id): refuse such a ring at creation (IllegalArgumentException, checking the request and the response "
                    + "id field) or never issue such an id");
        }
        pages.close();
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
