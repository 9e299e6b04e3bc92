package io.pvkit.conformance.ring;

import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static io.pvkit.conformance.ring.RingTestProtocol.TYPE;
import static io.pvkit.conformance.ring.RingTestProtocol.U32;
import static io.pvkit.conformance.ring.RingTestProtocol.U64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The third part of {@link BackRingVerification} (extend that class, not this one): where the backend reads and
 * writes in the shared page (RING-07, RING-20, RING-21): response slots without stale bytes, slot offsets and sizes,
 * an attach that writes nothing.
 */
public abstract class BackRingLayoutVerification extends BackRingStateVerification {

    /** For subclasses. */
    protected BackRingLayoutVerification() {
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
}
