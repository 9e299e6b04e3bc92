package io.pvkit.conformance.ring;

import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.HostileMemory;
import io.pvkit.conformance.property.Action;
import io.pvkit.conformance.property.Gens;
import io.pvkit.conformance.property.Property;
import io.pvkit.conformance.property.StateMachine;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingFault;
import io.pvkit.rings.RingIndex;
import io.pvkit.rings.RingState;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.pvkit.conformance.ring.RingTestProtocol.OP;
import static io.pvkit.conformance.ring.RingTestProtocol.REQ_LEN;
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
 */
public abstract class BackRingVerification {

    private static final long REQ_PROD = SharedRingLayout.REQ_PROD_OFFSET;
    private static final long REQ_EVENT = SharedRingLayout.REQ_EVENT_OFFSET;
    private static final long RSP_PROD = SharedRingLayout.RSP_PROD_OFFSET;
    private static final long RSP_EVENT = SharedRingLayout.RSP_EVENT_OFFSET;
    private static final int NEAR_WRAP = 0xFFFFFFF0;

    private final RingVerificationSupport pages = new RingVerificationSupport() { };

    /** For subclasses. */
    protected BackRingVerification() {
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

    // ---------------------------------------------------------------- plumbing

    /** One ring and the kit's frontend script. */
    private final class Fixture {
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

    private Fixture fixture(int start) {
        MemorySegment page = pages.newPage(1);
        return new Fixture(start, GuestMemory.wrap(page), page);
    }

    private Fixture hostileFixture(int start, java.util.function.Consumer<HostileMemory> setup) {
        MemorySegment page = pages.newPage(1);
        HostileMemory hostile = new HostileMemory(page);
        setup.accept(hostile);
        return new Fixture(start, hostile, page);
    }

    private static MemorySegment copy(MemorySegment r) {
        MemorySegment c = MemorySegment.ofArray(new long[(int) ((r.byteSize() + 7) / 8)]);
        MemorySegment.copy(r, 0, c, 0, r.byteSize());
        return c;
    }

    private static Set<Long> ids(List<MemorySegment> requests) {
        Set<Long> ids = new HashSet<>();
        for (MemorySegment r : requests) {
            assertTrue(ids.add(r.get(U64, 0)), "request id " + r.get(U64, 0) + " was handed out twice");
        }
        return ids;
    }

    // ---------------------------------------------------------------- RING-01 .. RING-11

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
     * <a href="../../../../../RULES.md#ring-07">RING-07</a>: after a 24-byte response replaces a 64-byte request,
     * bytes 0..23 of the slot are exactly the response given (with a status and length that differ from the
     * request's bytes at those offsets) and bytes 24..63 are zero.
     *
     * The same with 10-byte responses in 16-byte slots (a tail that is not a multiple of 8 bytes).
     *
     * <p>If this fails, check: the response is copied into the slot in full, and the rest of the union slot is
     * cleared, to its last byte.
     */
    @Test
    public void required_RING_07_responseSlotCarriesNoStaleBytes() {
        Fixture f = fixture(0);
        f.publish(4, 1);
        List<MemorySegment> given = new ArrayList<>();
        f.ring.pollRequests(r -> {
            f.seen.add(copy(r));
            MemorySegment response = RingTestProtocol.answer(r);
            response.set(U32, 12, 0x5EED_0000 + given.size());   // status: never a request's length
            response.set(U32, RingTestProtocol.RSP_LEN, 0x0DD0_0000 + given.size());
            given.add(copy(response));
            f.ring.putResponse(response);
        }, Integer.MAX_VALUE);
        f.ring.pushResponses();
        assertEquals(4, given.size(), "RING-07: 4 requests published, " + given.size() + " handed out");
        for (int i = 0; i < 4; i++) {
            long slot = RingTestProtocol.slot(i, f.size);
            byte[] head = f.page.asSlice(slot, RingTestProtocol.RESPONSE_SIZE).toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(given.get(i).asSlice(0, RingTestProtocol.RESPONSE_SIZE).toArray(ValueLayout.JAVA_BYTE), head,
                    "RING-07: slot " + i + " does not hold the response given to putResponse (the response must be "
                            + "copied into the slot in full; the request's bytes must not remain)");
            byte[] tail = f.page.asSlice(slot + RingTestProtocol.RESPONSE_SIZE,
                    RingTestProtocol.SLOT_SIZE - RingTestProtocol.RESPONSE_SIZE).toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(new byte[tail.length], tail, "slot " + i + " leaks bytes after the response");
        }
        // entries of odd sizes: 16-byte requests, 10-byte responses with 2-byte ids (slot 16): a 6-byte tail
        RingType odd = new RingType("u16_odd", 16, 10, 2, new io.pvkit.rings.RingIdField(0, 2),
                new io.pvkit.rings.RingIdField(0, 2));
        MemorySegment page = pages.newPage(1);
        RingTestProtocol.sharedRingInit(page, 0);
        BackRing ring = createBackRing(GuestMemory.wrap(page), odd, 0);
        for (int i = 0; i < 3; i++) {
            page.asSlice(64 + 16L * i, 16).fill((byte) 0xEE);
            page.set(ValueLayout.JAVA_SHORT_UNALIGNED, 64 + 16L * i, (short) i);
        }
        RingTestProtocol.setIntRelease(page, REQ_PROD, 3);
        List<byte[]> answers = new ArrayList<>();
        ring.pollRequests(r -> {
            MemorySegment response = MemorySegment.ofArray(new byte[10]);
            response.fill((byte) (0x51 + answers.size()));
            response.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, r.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
            answers.add(response.toArray(ValueLayout.JAVA_BYTE));
            ring.putResponse(response);
        }, Integer.MAX_VALUE);
        ring.pushResponses();
        assertEquals(3, answers.size(), "RING-07: 3 requests of " + odd + " published, " + answers.size() + " handed out");
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(answers.get(i), page.asSlice(64 + 16L * i, 10).toArray(ValueLayout.JAVA_BYTE),
                    "RING-07: slot " + i + " of " + odd + " does not hold the 10-byte response given");
            assertArrayEquals(new byte[6], page.asSlice(64 + 16L * i + 10, 6).toArray(ValueLayout.JAVA_BYTE),
                    "RING-07: slot " + i + " of " + odd + " leaks request bytes in the 6 bytes after the response");
        }
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

    // ---------------------------------------------------------------- protocol rules

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
     * <a href="../../../../../RULES.md#ring-20">RING-20</a>: slot counts of {@code __RING_SIZE} and requests found at
     * the C offsets for several entry types.
     *
     * The slot sizes the kit writes at are literals (112, 96, 16, 64), not the ring type's {@code slotSize()}.
     * A ring area too small for one slot must be refused; one slot exactly is a ring of size 1.
     *
     * <p>If this fails, check: slot = max(request, response) rounded up to the union alignment; slots start
     * at byte 64; the count is rounded down to a power of two; a count of 0 is refused.
     */
    @Test
    public void required_RING_20_slotLayoutMatchesIoRingH() {
        // slot sizes are literals from io/ring.h's union rule, never the ring type's own slotSize()
        record Case(RingType type, int pages, int slots, int slot) { }
        for (Case c : List.of(
                new Case(new RingType("blkif", 112, 16, 8, TYPE.requestId(), TYPE.responseId()), 1, 32, 112),
                new Case(new RingType("blkif", 112, 16, 8, TYPE.requestId(), TYPE.responseId()), 4, 128, 112),
                new Case(new RingType("wide_rsp", 32, 96, 8, TYPE.requestId(), TYPE.responseId()), 1, 32, 96),
                new Case(new RingType("odd", 12, 8, 8, new io.pvkit.rings.RingIdField(0, 8), TYPE.responseId()), 1, 128, 16),
                new Case(TYPE, 1, 32, RingTestProtocol.SLOT_SIZE))) {
            MemorySegment page = pages.newPage(c.pages());
            RingTestProtocol.sharedRingInit(page, 0);
            BackRing ring = createBackRing(GuestMemory.wrap(page), c.type(), 0);
            assertEquals(c.slots(), ring.size(), c.type() + " over " + c.pages() + " page(s)");
            assertEquals(c.type(), ring.type(), "RING-20: type() must be the ring type the ring was created with");
            int slot = c.slot();
            for (int i = 0; i < ring.size(); i++) {
                long off = SharedRingLayout.HEADER_SIZE + (long) i * slot;
                page.set(U64, off, 0xABC0000L + i);
            }
            RingTestProtocol.setIntRelease(page, REQ_PROD, ring.size());
            List<Long> got = new ArrayList<>();
            ring.pollRequests(r -> got.add(r.get(U64, 0)), Integer.MAX_VALUE);
            assertEquals(ring.size(), got.size(), "RING-20: a full ring of " + c.type() + " over " + c.pages()
                    + " page(s) published " + ring.size() + " requests; the backend handed out " + got.size());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(0xABC0000L + i, got.get(i), "request " + i + " of " + c.type() + " read from the wrong offset");
            }
        }
        // a ring area of 64 + 63 bytes holds no 64-byte slot (__RING_SIZE 0); 64 + 64 bytes hold exactly one
        MemorySegment page = pages.newPage(1);
        RingTestProtocol.sharedRingInit(page, 0);
        try {
            BackRing none = createBackRing(RingVerificationSupport.truncated(page, 127), TYPE, 0);
            fail("RING-20: a back ring over 127 bytes (no 64-byte slot after the 64-byte header) was created with size "
                    + none.size() + "; refuse it with IllegalArgumentException (a ring of 0 slots masks indices with -1)");
        } catch (IllegalArgumentException expected) {
            // __RING_SIZE is 0: no ring
        }
        BackRing one = createBackRing(RingVerificationSupport.truncated(page, 128), TYPE, 0);
        assertEquals(1, one.size(), "RING-20: __RING_SIZE of a 128-byte ring area with 64-byte slots");
    }

    /**
     * <a href="../../../../../RULES.md#ring-21">RING-21</a>: attaching the backend writes nothing to the page.
     *
     * <p>If this fails, check: only the frontend initialises the shared header ({@code BACK_RING_INIT} sets
     * private state only).
     */
    @Test
    public void required_RING_21_backendAttachWritesNothing() {
        MemorySegment page = pages.newPage(1);
        RingTestProtocol.sharedRingInit(page, 0x1234);
        for (int i = 64; i < 4096; i++) {
            page.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        page.set(ValueLayout.JAVA_INT, 16, 0x5A5A5A5A);
        byte[] before = page.toArray(ValueLayout.JAVA_BYTE);
        createBackRing(GuestMemory.wrap(page), TYPE, 0x1234);
        assertArrayEquals(before, page.toArray(ValueLayout.JAVA_BYTE), "attach changed the shared page");
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
