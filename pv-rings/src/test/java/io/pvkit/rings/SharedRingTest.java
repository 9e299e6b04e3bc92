package io.pvkit.rings;

import io.pvkit.abi.ring.SharedRingLayout;
import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static io.pvkit.rings.TestRings.TYPE;
import static io.pvkit.rings.TestRings.U32;
import static io.pvkit.rings.TestRings.U64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SharedRingTest {
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    @Test
    void shouldInitialiseHeaderLikeSharedRingInit() {
        MemorySegment page = TestRings.page(arena, 1);
        page.fill((byte) 0x5A);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
        assertEquals(0, page.get(ValueLayout.JAVA_INT, 0));
        assertEquals(1, page.get(ValueLayout.JAVA_INT, 4));
        assertEquals(0, page.get(ValueLayout.JAVA_INT, 8));
        assertEquals(1, page.get(ValueLayout.JAVA_INT, 12));
        for (int i = 16; i < 64; i++) {
            assertEquals(0, page.get(ValueLayout.JAVA_BYTE, i), "header byte " + i);
        }
        assertEquals((byte) 0x5A, page.get(ValueLayout.JAVA_BYTE, 64), "slots are not touched");
        assertEquals(32, front.size());
    }

    @Test
    void shouldSizeSlotsLikeIoRingH() {
        // blkif: 112-byte union -> 32 slots per page, 64 per two pages
        RingType blkif = new RingType("blkif", 112, 16, 8, new RingIdField(8, 8), new RingIdField(0, 8));
        assertEquals(112, blkif.slotSize());
        assertEquals(32, blkif.slotCount(4096));
        assertEquals(64, blkif.slotCount(8192));
        assertEquals(512, blkif.slotCount(65536));
        // a 12-byte request with 8-byte alignment occupies a 16-byte union, as in C
        RingType odd = new RingType("odd", 12, 4, 8, new RingIdField(0, 8), new RingIdField(0, 4));
        assertEquals(16, odd.slotSize());
        assertEquals(128, odd.slotCount(4096));
    }

    @Test
    void shouldRejectRingTooLargeForTwoByteIds() {
        RingType narrow = new RingType("narrow", 2, 2, 2, new RingIdField(0, 2), new RingIdField(0, 2));
        // 33 pages: 65536 two-byte slots, ids 0..65535 fit in a u16
        MemorySegment fits = TestRings.page(arena, 33);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(fits), narrow);
        assertEquals(65536, front.size());
        // 65 pages: 131072 slots, shadow id 65536 would be truncated to 0
        MemorySegment tooBig = TestRings.page(arena, 65);
        tooBig.fill((byte) 0x5A);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SharedFrontRing.initialise(GuestMemory.wrap(tooBig), narrow));
        assertTrue(e.getMessage().contains("131072 slots"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SharedFrontRing.attach(GuestMemory.wrap(tooBig), narrow, 0,
                FrontRing.ResponseValidator.ACCEPT_ALL));
        RingType narrowResponse = new RingType("narrow_rsp", 4, 2, 4, new RingIdField(0, 4), new RingIdField(0, 2));
        // 129 pages of 4-byte slots: 131072 slots, the 2-byte response id cannot name them all
        MemorySegment tooBigForResponses = TestRings.page(arena, 129);
        assertThrows(IllegalArgumentException.class,
                () -> SharedFrontRing.initialise(GuestMemory.wrap(tooBigForResponses), narrowResponse));
        assertEquals(0x5A5A5A5A, tooBig.get(ValueLayout.JAVA_INT, 4), "a rejected ring leaves the header untouched");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 0xFFFFFFF0, 0x7FFFFFF0})
    void shouldRoundTripAcrossIndexWrap(int start) {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE, start,
                FrontRing.ResponseValidator.ACCEPT_ALL);
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE, start);
        SplittableRandom random = new SplittableRandom(42);
        Map<Integer, Integer> expectedCrc = new HashMap<>();
        int answered = 0;
        for (int round = 0; round < 50; round++) {
            int batch = 1 + random.nextInt(front.freeRequests());
            for (int i = 0; i < batch; i++) {
                MemorySegment req = TestRings.randomRequest(random);
                int id = front.putRequest(req);
                assertTrue(id >= 0 && id < front.size());
                expectedCrc.put(id, req.get(U32, 12));
            }
            front.pushRequests();
            int consumed = back.pollRequests(r -> back.putResponse(TestRings.echo(r)), Integer.MAX_VALUE);
            assertEquals(batch, consumed);
            back.pushResponses();
            int[] got = {0};
            front.pollResponses((id, rsp) -> {
                assertEquals(id, (int) rsp.get(U64, 0));
                assertEquals(0, rsp.get(U32, 8), "backend saw a corrupt request");
                assertEquals(expectedCrc.remove(id), rsp.get(U32, 12));
                got[0]++;
            }, Integer.MAX_VALUE);
            assertEquals(batch, got[0]);
            answered += batch;
        }
        assertTrue(expectedCrc.isEmpty());
        assertEquals(start + answered, front.requestProducerIndex());
        assertEquals(start + answered, back.responseProducerIndex());
        assertEquals(start + answered, page.get(ValueLayout.JAVA_INT, 0), "req_prod");
        assertFalse(front.finalCheckForResponses());
        assertEquals(start + answered + 1, page.get(ValueLayout.JAVA_INT, 12), "rsp_event = rsp_cons + 1");
    }

    @Test
    void shouldRejectPutWhenRingFullAndNeverConfuseFullWithEmpty() {
        MemorySegment page = TestRings.page(arena, 1);
        int start = 0xFFFFFFF0;
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE, start,
                FrontRing.ResponseValidator.ACCEPT_ALL);
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE, start);
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 32; i++) {
            assertTrue(front.putRequest(TestRings.randomRequest(random)) >= 0);
        }
        assertTrue(front.isFull());
        assertEquals(FrontRing.RING_FULL, front.putRequest(TestRings.randomRequest(random)));
        front.pushRequests();
        assertEquals(32, back.unconsumedRequests(), "a full ring has 32 requests, not 0");
        List<Long> ids = new ArrayList<>();
        assertEquals(32, back.pollRequests(r -> ids.add(r.get(U64, 0)), 100));
        assertEquals(32, ids.stream().distinct().count());
        // all slots hold unanswered requests: the backend cannot consume more even if asked
        assertEquals(0, back.unconsumedRequests());
    }

    @Test
    void shouldNotifyExactlyWhenEventIsInPublishedWindow() {
        // the checked example of xen-abi.md 2.5: old = 0xFFFFFFFE, new = 2
        for (long e = 0xFFFFFFF0L; e <= 0x1_0000_0010L; e++) {
            int event = (int) e;
            boolean expected = event == 0xFFFFFFFF || event == 0 || event == 1 || event == 2;
            assertEquals(expected, RingIndex.eventInWindow(event, 0xFFFFFFFE, 2), "event " + Integer.toHexString(event));
        }
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE, 0xFFFFFFFE,
                FrontRing.ResponseValidator.ACCEPT_ALL);
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 4; i++) {
            front.putRequest(TestRings.randomRequest(random));
        }
        page.set(ValueLayout.JAVA_INT, 4, 1);
        assertTrue(front.pushRequests(), "req_event 1 is in (0xFFFFFFFE, 2]");
        front.putRequest(TestRings.randomRequest(random));
        page.set(ValueLayout.JAVA_INT, 4, 2);
        assertFalse(front.pushRequests(), "req_event 2 is not in (2, 3]");
        assertFalse(front.pushRequests(), "an empty push never notifies");
    }

    @Test
    void shouldArmEventAndReportWorkInFinalCheck() {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
        assertFalse(back.finalCheckForRequests());
        assertEquals(1, page.get(ValueLayout.JAVA_INT, 4));
        front.putRequest(TestRings.randomRequest(new SplittableRandom(4)));
        assertTrue(front.pushRequests(), "backend armed req_event = 1");
        assertTrue(back.finalCheckForRequests());
        back.pollRequests(r -> back.putResponse(TestRings.echo(r)), 10);
        assertFalse(back.finalCheckForRequests());
        assertEquals(2, page.get(ValueLayout.JAVA_INT, 4), "req_event = req_cons + 1");
        assertTrue(back.pushResponses(), "front's rsp_event is 1");
    }

    @Test
    void shouldShowHandlerItsOwnRequestAndFreeTheIdAfterwards() {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
        SplittableRandom random = new SplittableRandom(8);
        Map<Integer, byte[]> sent = new HashMap<>();
        while (!front.isFull()) {
            MemorySegment req = TestRings.randomRequest(random);
            int id = front.putRequest(req);
            req.set(U64, 0, id);
            sent.put(id, req.toArray(ValueLayout.JAVA_BYTE));
        }
        front.pushRequests();
        back.pollRequests(r -> back.putResponse(TestRings.echo(r)), 100);
        back.pushResponses();
        List<Integer> putInsideHandler = new ArrayList<>();
        int n = front.pollResponses((id, rsp) -> {
            assertArrayEquals(sent.get(id), front.outstandingRequest(id).toArray(ValueLayout.JAVA_BYTE),
                    "the handler sees its own request's shadow");
            putInsideHandler.add(front.putRequest(TestRings.randomRequest(random)));
        }, 100);
        assertEquals(sent.size(), n);
        // the first handler ran while every id was still taken; each later one got the id freed before it
        assertEquals(FrontRing.RING_FULL, putInsideHandler.get(0));
        assertTrue(putInsideHandler.subList(1, n).stream().allMatch(id -> id >= 0), putInsideHandler.toString());
        assertEquals(n - 1, putInsideHandler.stream().distinct().filter(id -> id >= 0).count(), "no id handed out twice");
        int lastAnswered = sent.keySet().stream().filter(id -> !putInsideHandler.contains(id)).findFirst().orElseThrow();
        assertThrows(IllegalArgumentException.class, () -> front.outstandingRequest(lastAnswered),
                "the last answered id is freed once its handler returned");
        assertEquals(1, front.freeRequests());
    }

    @Test
    void shouldFreeTheIdWhenTheHandlerThrows() {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
        int id = front.putRequest(TestRings.randomRequest(new SplittableRandom(1)));
        front.pushRequests();
        back.pollRequests(r -> back.putResponse(TestRings.echo(r)), 100);
        back.pushResponses();
        assertThrows(ArithmeticException.class, () -> front.pollResponses((rid, rsp) -> {
            throw new ArithmeticException("handler bug");
        }, 100));
        assertThrows(IllegalArgumentException.class, () -> front.outstandingRequest(id));
        assertEquals(front.size(), front.freeRequests());
        assertEquals(RingState.ACTIVE, front.state());
    }

    @Test
    void shouldZeroSlotTailOfResponses() {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
        front.putRequest(TestRings.randomRequest(new SplittableRandom(5)));
        front.pushRequests();
        back.pollRequests(r -> back.putResponse(TestRings.echo(r)), 1);
        byte[] tail = page.asSlice(SharedRingLayout.HEADER_SIZE + 16, 48).toArray(ValueLayout.JAVA_BYTE);
        assertArrayEquals(new byte[48], tail);
    }

    @Test
    void shouldRefuseResponseWithoutConsumedRequest() {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
        assertThrows(IllegalStateException.class, () -> back.putResponse(MemorySegment.ofArray(new byte[16])));
        assertEquals(RingState.ACTIVE, back.state());
    }

    @Test
    void shouldUseMultiPageRings() {
        MemorySegment pages = TestRings.page(arena, 4);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(pages), TYPE);
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(pages), TYPE);
        assertEquals(128, front.size());
        assertEquals(128, back.size());
        SplittableRandom random = new SplittableRandom(6);
        while (!front.isFull()) {
            front.putRequest(TestRings.randomRequest(random));
        }
        front.pushRequests();
        assertEquals(128, back.pollRequests(r -> back.putResponse(TestRings.echo(r)), 1000));
        back.pushResponses();
        assertEquals(128, front.pollResponses((id, r) -> assertEquals(0, r.get(U32, 8)), 1000));
    }
}
