package io.pvkit.conformance.ring;

import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.RingIndex;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.pvkit.conformance.ring.RingTestProtocol.OP;
import static io.pvkit.conformance.ring.RingTestProtocol.REQ_LEN;
import static io.pvkit.conformance.ring.RingTestProtocol.U32;
import static io.pvkit.conformance.ring.RingTestProtocol.U64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The first part of {@link BackRingVerification} (extend that class, not this one): the backend's hook
 * ({@link #createBackRing}), the kit's frontend script, and the rules of a hostile frontend (RING-01, RING-02, RING-04,
 * RING-05, RING-09, RING-12): producer indices that overflow, jump, move backwards or are read twice, requests changed
 * after the first read, absurd event indices.
 */
public abstract class BackRingHostileFrontendVerification {

    static final long REQ_PROD = SharedRingLayout.REQ_PROD_OFFSET;
    static final long REQ_EVENT = SharedRingLayout.REQ_EVENT_OFFSET;
    static final long RSP_PROD = SharedRingLayout.RSP_PROD_OFFSET;
    static final long RSP_EVENT = SharedRingLayout.RSP_EVENT_OFFSET;
    static final int NEAR_WRAP = 0xFFFFFFF0;

    final RingVerificationSupport pages = new RingVerificationSupport() { };

    /** For subclasses. */
    protected BackRingHostileFrontendVerification() {
    }

    /**
     * {@code BACK_RING_ATTACH}: attaches your backend to a ring the frontend has initialised, with
     * {@code req_cons = rsp_prod_pvt = startIndex}. It must not write the shared page.
     *
     * @param memory the ring area (possibly hostile); every shared access must go through it
     * @param type entry sizes and id fields
     * @param startIndex the index the frontend initialised the ring at
     * @return the back ring under test
     */
    protected abstract BackRing createBackRing(MemoryAccess memory, RingType type, int startIndex);

    /** Closes the pages of the test. */
    @AfterEach
    public void closePages() {
        pages.close();
    }

    /** One ring and the kit's frontend script. */
    final class Fixture {
        final MemorySegment page;
        final BackRing ring;
        final int size;
        int reqProd;
        long nextId;
        final List<MemorySegment> seen = new ArrayList<>();

        Fixture(int start, MemoryAccess view, MemorySegment page) {
            this.page = page;
            RingTestProtocol.sharedRingInit(page, start);
            this.ring = createBackRing(view, RingTestProtocol.type(), start);
            this.size = ring.size();
            this.reqProd = start;
        }

        /** The kit publishes n requests (io/ring.h push) and returns whether it would notify. */
        boolean publish(int n, int op) {
            int old = reqProd;
            for (int i = 0; i < n; i++) {
                RingTestProtocol.writeRequest(page, size, reqProd, nextId, op, nextId);
                nextId++;
                reqProd++;
            }
            return RingTestProtocol.pushAndCheck(page, REQ_PROD, REQ_EVENT, old, reqProd);
        }

        int poll(int limit) {
            return ring.pollRequests(r -> seen.add(copy(r)), limit);
        }

        int pollAndAnswer(int limit) {
            int n = ring.pollRequests(r -> {
                seen.add(copy(r));
                ring.putResponse(RingTestProtocol.answer(r));
            }, limit);
            ring.pushResponses();
            return n;
        }
    }

    Fixture fixture(int start) {
        MemorySegment page = pages.newPage(1);
        return new Fixture(start, GuestMemory.wrap(page), page);
    }

    Fixture hostileFixture(int start, java.util.function.Consumer<HostileMemory> setup) {
        MemorySegment page = pages.newPage(1);
        HostileMemory hostile = new HostileMemory(page);
        setup.accept(hostile);
        return new Fixture(start, hostile, page);
    }

    static MemorySegment copy(MemorySegment r) {
        MemorySegment c = MemorySegment.ofArray(new long[(int) ((r.byteSize() + 7) / 8)]);
        MemorySegment.copy(r, 0, c, 0, r.byteSize());
        return c;
    }

    static Set<Long> ids(List<MemorySegment> requests) {
        Set<Long> ids = new HashSet<>();
        for (MemorySegment r : requests) {
            assertTrue(ids.add(r.get(U64, 0)), "request id " + r.get(U64, 0) + " was handed out twice");
        }
        return ids;
    }

    /**
     * <a href="../../../../../RULES.md#ring-01">RING-01</a>: a frontend sets {@code req_prod} more than RING_SIZE
     * ahead (size+1, +2^31, 0xFFFFFFFF past the start) and the backend stops.
     *
     * <p>If this fails, check: {@code RING_REQUEST_PROD_OVERFLOW} is evaluated on the value read, against
     * {@code rsp_prod_pvt}, with unsigned arithmetic, before any slot is read; the ring stays broken.
     */
    @Test
    public void required_RING_01_backendStopsOnRequestProducerOverflow() {
        for (long ahead : new long[] {33, 0x80000000L, 0xFFFFFFFFL}) {
            Fixture f = fixture(NEAR_WRAP);
            int bad = f.reqProd + (int) Math.max(ahead, f.size + 1L);
            RingTestProtocol.setIntRelease(f.page, REQ_PROD, bad);
            RingVerificationSupport.assertBreaks("req_prod " + Integer.toUnsignedString(bad) + " with size " + f.size,
                    () -> f.poll(Integer.MAX_VALUE), f.ring::state);
            assertTrue(f.seen.isEmpty(), "requests were processed from an overflowing ring: " + f.seen.size());
            RingVerificationSupport.survives(() -> f.poll(Integer.MAX_VALUE));
            assertTrue(f.seen.isEmpty(), "a broken ring kept processing");
            // the same overflow seen first by the non-consuming operations
            for (String action : List.of("unconsumedRequests", "finalCheckForRequests")) {
                Fixture g = fixture(NEAR_WRAP);
                RingTestProtocol.setIntRelease(g.page, REQ_PROD, bad);
                RingVerificationSupport.assertBreaks("RING-01: " + action + "() with req_prod "
                        + Integer.toUnsignedString(bad) + " and size " + g.size + " (validate req_prod in every operation "
                        + "that reads it)", () -> {
                            if (action.equals("unconsumedRequests")) {
                                g.ring.unconsumedRequests();
                            } else {
                                g.ring.finalCheckForRequests();
                            }
                        }, g.ring::state);
            }
        }
        // hostile memory: the first read of req_prod overflows, later reads look harmless (16 ahead)
        MemorySegment page = pages.newPage(1);
        HostileMemory hostile = new HostileMemory(page);
        hostile.script(REQ_PROD, n -> n == 0 ? NEAR_WRAP + 0x40000000 : NEAR_WRAP + 16);
        Fixture h = new Fixture(NEAR_WRAP, hostile, page);
        RingVerificationSupport.assertBreaks("req_prod overflowing on its first read only",
                () -> h.poll(Integer.MAX_VALUE), h.ring::state);
        assertTrue(h.seen.isEmpty(), "the ring validated one read of req_prod and consumed by another");
    }

    /**
     * <a href="../../../../../RULES.md#ring-02">RING-02</a>: {@code req_prod} returns a different, arbitrary value on
     * every read while 10 genuine requests are on the ring.
     *
     * <p>If this fails, check: the consumer index is compared against the producer copy with unsigned
     * distances; consumption stops at {@code RING_REQUEST_CONS_OVERFLOW}; a regression is detected; no
     * slot index is computed from an unmasked peer value.
     */
    @Test
    public void required_RING_02_randomProducerIndicesNeverCauseDuplicatesOrOutOfBounds() {
        for (int trial = 0; trial < 50; trial++) {
            SplittableRandom random = new SplittableRandom(trial);
            int start = random.nextInt();
            MemorySegment page = pages.newPage(1);
            HostileMemory hostile = new HostileMemory(page);
            hostile.script(REQ_PROD, n -> random.nextBoolean() ? start + random.nextInt(-40, 40) : random.nextInt());
            Fixture f = new Fixture(start, hostile, page);
            long fresh = 1000;
            Set<Long> written = new HashSet<>();
            for (int round = 0; round < 20; round++) {
                for (int i = 0; i < f.size; i++) {
                    RingTestProtocol.writeRequest(page, f.size, start + i, fresh, 1, fresh);
                    written.add(fresh++);
                }
                int before = f.ring.requestConsumerIndex();
                f.seen.clear();
                boolean alive = RingVerificationSupport.survives(() -> {
                    f.ring.pollRequests(r -> {
                        if (f.seen.size() >= f.size) {
                            fail("more than RING_SIZE (" + f.size + ") entries handed out in one poll");
                        }
                        f.seen.add(copy(r));
                        f.ring.putResponse(RingTestProtocol.answer(r));
                    }, Integer.MAX_VALUE);
                    f.ring.pushResponses();
                });
                ids(f.seen);
                for (MemorySegment r : f.seen) {
                    assertTrue(written.contains(r.get(U64, 0)), "handed out a slot the frontend never wrote");
                }
                assertTrue(f.seen.size() <= f.size, "more than RING_SIZE entries in one round");
                assertEquals(f.seen.size(), (int) RingIndex.distance(before, f.ring.requestConsumerIndex()),
                        "req_cons must advance by exactly the entries handed out (no entry twice, none skipped)");
                if (!alive) {
                    break;
                }
            }
        }
    }

    /**
     * <a href="../../../../../RULES.md#ring-04">RING-04</a>: the hostile frontend changes {@code len} to 255 and
     * {@code op} right after the first read of the slot.
     *
     * <p>If this fails, check: the whole request is copied once ({@code RING_COPY_REQUEST}) and the
     * handler gets only the private copy, never a view of the shared slot.
     */
    @Test
    public void required_RING_04_requestsAreCopiedOnceBeforeUse() {
        long slot0 = SharedRingLayout.HEADER_SIZE;
        Fixture f = hostileFixture(0, h -> h.changeAfterFirstRead(slot0 + REQ_LEN, 4, 255).changeAfterFirstRead(slot0 + OP, 4, 66));
        f.publish(1, 7);
        List<int[]> seen = new ArrayList<>();
        f.ring.pollRequests(r -> {
            int len1 = r.get(U32, REQ_LEN);
            int op1 = r.get(U32, OP);
            seen.add(new int[] {len1, op1, r.get(U32, REQ_LEN), r.get(U32, OP), RingTestProtocol.intact(r) ? 1 : 0});
        }, 1);
        assertEquals(1, seen.size(), "RING-04: one request was published; the handler ran " + seen.size() + " time(s)");
        int[] s = seen.get(0);
        assertTrue(s[0] <= RingTestProtocol.PAYLOAD, "the handler saw len " + s[0] + " written after the first read");
        assertEquals(7, s[1], "the handler saw op written after the first read");
        assertEquals(s[0], s[2], "len changed under the handler: it reads shared memory");
        assertEquals(s[1], s[3], "op changed under the handler: it reads shared memory");
        assertEquals(1, s[4], "the copy is not the request that was published");
    }

    /**
     * <a href="../../../../../RULES.md#ring-05">RING-05</a>: {@code req_prod} is read once per batch of 20 requests.
     *
     * <p>If this fails, check: the loop compares against a local copy of {@code req_prod}, not the shared field.
     */
    @Test
    public void required_RING_05_requestProducerReadOncePerBatch() {
        AtomicReference<HostileMemory> view = new AtomicReference<>();
        Fixture f = hostileFixture(0, h -> view.set(h.field(REQ_PROD, 4)));
        f.publish(20, 1);
        view.get().resetReads();
        int consumed = f.poll(Integer.MAX_VALUE);
        assertEquals(20, consumed, "RING-05: 20 requests were published; one pollRequests(handler, MAX_VALUE) consumed "
                + consumed + " (a batch must consume everything published, up to the ring size)");
        int reads = view.get().reads(REQ_PROD);
        assertEquals(1, reads, "RING-05: the backend read req_prod " + reads + " times while consuming one batch of 20 "
                + "requests; read it once per batch into a local, validate that copy and loop against it (a peer can "
                + "change req_prod between reads: XSA-155)");
    }

    /**
     * <a href="../../../../../RULES.md#ring-09">RING-09</a>: the frontend scribbles absurd values into
     * {@code req_event}; the backend still finds every request.
     *
     * <p>If this fails, check: {@code req_event} is only written by the backend's final check and is never
     * used to decide whether work exists.
     */
    @Test
    public void required_RING_09_absurdRequestEventNeverHidesWork() {
        SplittableRandom random = new SplittableRandom(9);
        Fixture f = fixture(NEAR_WRAP);
        for (int round = 0; round < 20; round++) {
            int n = 1 + random.nextInt(f.size);
            f.publish(n, 1);
            RingTestProtocol.setIntRelease(f.page, REQ_EVENT, random.nextInt());
            assertTrue(f.ring.finalCheckForRequests(), "pending requests hidden by req_event");
            int got = f.pollAndAnswer(Integer.MAX_VALUE);
            assertEquals(n, got, "RING-09: " + n + " requests published with an absurd req_event; the backend consumed "
                    + got + " (req_event must never decide whether work exists)");
        }
    }

    /**
     * <a href="../../../../../RULES.md#ring-12">RING-12</a>: the backend has consumed 4 requests (answering 0, then
     * 2 of them) when the frontend moves {@code req_prod} back behind {@code req_cons}, but not behind
     * {@code rsp_prod_pvt}, so {@code RING_REQUEST_PROD_OVERFLOW} alone does not see it.
     *
     * <p>If this fails, check: besides the overflow check against {@code rsp_prod_pvt}, the value read is
     * compared with {@code req_cons}: {@code req_prod - rsp_prod_pvt < req_cons - rsp_prod_pvt} (unsigned)
     * means it went backwards, and the ring must break before any slot is read.
     */
    @Test
    public void required_RING_12_backendStopsWhenRequestProducerMovesBackwards() {
        for (int answered : new int[] {0, 2}) {
            Fixture f = fixture(NEAR_WRAP);
            f.publish(4, 1);
            assertEquals(4, f.poll(Integer.MAX_VALUE), "the 4 published requests");
            for (int i = 0; i < answered; i++) {
                f.ring.putResponse(RingTestProtocol.answer(f.seen.get(i)));
            }
            f.ring.pushResponses();
            int behind = f.reqProd - 1;
            RingTestProtocol.setIntRelease(f.page, REQ_PROD, behind);
            String what = "RING-12: req_prod moved back from " + Integer.toUnsignedString(f.reqProd) + " to "
                    + Integer.toUnsignedString(behind) + " (req_cons " + Integer.toUnsignedString(f.reqProd)
                    + ", rsp_prod_pvt " + Integer.toUnsignedString(NEAR_WRAP + answered) + ")";
            RingVerificationSupport.assertBreaks(what + ": the backend must detect the regression",
                    () -> f.poll(Integer.MAX_VALUE), f.ring::state);
            assertEquals(4, f.seen.size(), what + ": the backend handed out " + (f.seen.size() - 4)
                    + " stale slot(s) the frontend never published again; compare req_prod with req_cons, not only with rsp_prod_pvt");
        }
    }
}
