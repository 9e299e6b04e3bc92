package io.pvkit.conformance.ring;

import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingIndex;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static io.pvkit.conformance.ring.RingTestProtocol.OP;
import static io.pvkit.conformance.ring.RingTestProtocol.RSP_LEN;
import static io.pvkit.conformance.ring.RingTestProtocol.TYPE;
import static io.pvkit.conformance.ring.RingTestProtocol.U32;
import static io.pvkit.conformance.ring.RingTestProtocol.U64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The first part of {@link FrontRingVerification} (extend that class, not this one): the frontend's hooks
 * ({@link #createFrontRing}, {@link #validatesResponses}, {@link #attachesFrontRings}, {@link #attachFrontRing}), the
 * kit's backend script, and the rules of a hostile backend
 * (FE-01..FE-07, RING-05, RING-14): producer indices out of range or read twice, forged, duplicate or mismatched
 * responses, entries changed after the first read, responses for requests not yet pushed.
 */
public abstract class FrontRingHostileBackendVerification {

    static final long REQ_PROD = SharedRingLayout.REQ_PROD_OFFSET;
    static final long REQ_EVENT = SharedRingLayout.REQ_EVENT_OFFSET;
    static final long RSP_PROD = SharedRingLayout.RSP_PROD_OFFSET;
    static final long RSP_EVENT = SharedRingLayout.RSP_EVENT_OFFSET;
    static final int NEAR_WRAP = 0xFFFFFFF0;
    /** The kit requirement every id failure names, so that a frontend with other ids knows why it fails. */
    static final String SHADOW_IDS = "The frontend verification requires blkfront-style ids: putRequest returns a "
            + "shadow index in [0, size()) and stamps that same value into the request's id field (RingType.requestId()), "
            + "and the backend echoes it in the response; the kit forges responses with such ids (FE-02, FE-03, RING-14). "
            + "If your ring uses other ids, adapt them in your createFrontRing adapter.";
    /** A request word beyond the response's bytes: only a read-back of the request touches it. */
    static final long PAYLOAD_WORD = 32;

    final RingVerificationSupport pages = new RingVerificationSupport() { };

    /** For subclasses. */
    protected FrontRingHostileBackendVerification() {
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

    final class Fixture {
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

    Fixture fixture(int start) {
        MemorySegment page = pages.newPage(1);
        return new Fixture(start, GuestMemory.wrap(page), page);
    }

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
}
