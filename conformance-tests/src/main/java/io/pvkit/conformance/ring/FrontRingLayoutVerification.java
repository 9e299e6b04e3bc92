package io.pvkit.conformance.ring;

import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.rings.FrontRing;
import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static io.pvkit.conformance.ring.RingTestProtocol.CRC;
import static io.pvkit.conformance.ring.RingTestProtocol.OP;
import static io.pvkit.conformance.ring.RingTestProtocol.TYPE;
import static io.pvkit.conformance.ring.RingTestProtocol.U32;
import static io.pvkit.conformance.ring.RingTestProtocol.U64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The third part of {@link FrontRingVerification} (extend that class, not this one): where the frontend puts things
 * in the shared page (RING-20, RING-21, RING-25): slot offsets and sizes, the initialised header, id fields of every
 * width and offset.
 */
public abstract class FrontRingLayoutVerification extends FrontRingStateVerification {

    /** For subclasses. */
    protected FrontRingLayoutVerification() {
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
}
