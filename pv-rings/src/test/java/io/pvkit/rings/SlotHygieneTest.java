package io.pvkit.rings;

import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pvkit's own promises beyond {@code io/ring.h} (the kit does not require them; docs/mutation/rings.md): a request
 * shorter than its slot leaves no stale bytes in the rest of the slot, a short response is refused before anything
 * is written, and {@code toString} names the ring and its private indices.
 */
class SlotHygieneTest {
    /** Requests of 16 bytes, responses of 64: a request's slot has 48 bytes past the request. */
    private static final RingType NARROW_REQUESTS = new RingType("narrow_req", 16, 64, 8,
            new RingIdField(0, 8), new RingIdField(0, 8));

    @Test
    void aShortRequestZeroesTheRestOfItsSlot() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = TestRings.page(arena, 1);
            GuestMemory memory = GuestMemory.wrap(page);
            SharedFrontRing front = SharedFrontRing.initialise(memory, NARROW_REQUESTS);
            long slot = NARROW_REQUESTS.slotOffset(0, front.size());
            page.asSlice(slot, 64).fill((byte) 0xEE); // the backend's earlier response, say
            MemorySegment request = MemorySegment.ofArray(new byte[16]);
            request.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, 0x1122334455667788L);
            front.putRequest(request);
            assertEquals(0x1122334455667788L, page.get(ValueLayout.JAVA_LONG_UNALIGNED, slot + 8));
            for (int i = 16; i < 64; i++) {
                assertEquals(0, page.get(ValueLayout.JAVA_BYTE, slot + i), "slot byte " + i + " kept stale data");
            }
        }
    }

    @Test
    void aShortResponseIsRefusedAsAnArgumentBeforeAnythingIsWritten() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = TestRings.page(arena, 1);
            GuestMemory memory = GuestMemory.wrap(page);
            SharedFrontRing front = SharedFrontRing.initialise(memory, TestRings.TYPE);
            SharedBackRing back = SharedBackRing.attach(memory, TestRings.TYPE);
            front.putRequest(MemorySegment.ofArray(new byte[TestRings.REQUEST_SIZE]));
            front.pushRequests();
            back.pollRequests(req -> { }, 1);
            long slot = TestRings.TYPE.slotOffset(0, back.size());
            byte[] before = page.asSlice(slot, TestRings.REQUEST_SIZE).toArray(ValueLayout.JAVA_BYTE);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> back.putResponse(MemorySegment.ofArray(new byte[TestRings.RESPONSE_SIZE - 1])));
            assertTrue(e.getMessage().contains("need " + TestRings.RESPONSE_SIZE), e.getMessage());
            assertEquals(1, back.pendingResponses(), "the refused response was counted");
            assertEquals(java.util.Arrays.toString(before),
                    java.util.Arrays.toString(page.asSlice(slot, TestRings.REQUEST_SIZE).toArray(ValueLayout.JAVA_BYTE)));
            back.putResponse(TestRings.echo(MemorySegment.ofArray(new byte[TestRings.REQUEST_SIZE])));
            assertEquals(0, back.pendingResponses());
        }
    }

    @Test
    void toStringNamesTheRingItsIndicesAndState() {
        try (Arena arena = Arena.ofConfined()) {
            GuestMemory memory = GuestMemory.wrap(TestRings.page(arena, 1));
            SharedFrontRing front = SharedFrontRing.initialise(memory, TestRings.TYPE);
            SharedBackRing back = SharedBackRing.attach(memory, TestRings.TYPE);
            front.putRequest(MemorySegment.ofArray(new byte[TestRings.REQUEST_SIZE]));
            front.pushRequests();
            back.pollRequests(req -> { }, 1);
            assertEquals("SharedFrontRing[pvkit_test, size=" + front.size() + ", req_prod_pvt=1, rsp_cons=0, ACTIVE]",
                    front.toString());
            assertEquals("SharedBackRing[pvkit_test, size=" + back.size() + ", req_cons=1, rsp_prod_pvt=0, ACTIVE]",
                    back.toString());
        }
    }
}
