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
import java.util.List;
import java.util.SplittableRandom;

import static io.pvkit.rings.TestRings.TYPE;
import static io.pvkit.rings.TestRings.U32;
import static io.pvkit.rings.TestRings.U64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ring sides facing a peer that writes anything (adversarial catalogue 7.1 and 7.2). */
class HostilePeerTest {
    private static final int REQ_PROD = (int) SharedRingLayout.REQ_PROD_OFFSET;
    private static final int RSP_PROD = (int) SharedRingLayout.RSP_PROD_OFFSET;
    private final Arena arena = Arena.ofConfined();
    private final SplittableRandom random = new SplittableRandom(7);

    @AfterEach
    void close() {
        arena.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {33, 0x80000000, 0xFFFFFFFF, 0x7FFFFFFF})
    void shouldBreakBackRingOnRequestProducerOverflow(int offsetFromStart) {
        MemorySegment page = TestRings.page(arena, 1);
        int start = 0xFFFFFFF0;
        SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE, start, FrontRing.ResponseValidator.ACCEPT_ALL);
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE, start);
        page.set(ValueLayout.JAVA_INT, REQ_PROD, start + offsetFromStart);
        List<MemorySegment> seen = new ArrayList<>();
        RingBrokenException e = assertThrows(RingBrokenException.class, () -> back.pollRequests(seen::add, 1000));
        assertEquals(RingFault.REQUEST_PROD_OVERFLOW, e.fault());
        assertTrue(seen.isEmpty(), "nothing is processed from an overflowing ring");
        assertEquals(RingState.BROKEN, back.state());
        assertThrows(RingBrokenException.class, () -> back.pollRequests(seen::add, 1000));
        assertThrows(RingBrokenException.class, back::finalCheckForRequests);
    }

    @Test
    void shouldBreakBackRingWhenRequestProducerMovesBackwards() {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
        for (int i = 0; i < 10; i++) {
            front.putRequest(TestRings.randomRequest(random));
        }
        front.pushRequests();
        assertEquals(10, back.pollRequests(r -> { }, 100));
        page.set(ValueLayout.JAVA_INT, REQ_PROD, 4);
        List<MemorySegment> seen = new ArrayList<>();
        RingBrokenException e = assertThrows(RingBrokenException.class, () -> back.pollRequests(seen::add, 100));
        assertEquals(RingFault.REQUEST_PROD_REGRESSED, e.fault());
        assertTrue(seen.isEmpty(), "stale slots are never handed out twice");
    }

    @Test
    void shouldReadRequestProducerOnceAndEachSlotOncePerBatch() {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
        CountingSharedMemory counting = new CountingSharedMemory(page);
        SharedBackRing back = SharedBackRing.attach(counting, TYPE);
        for (int i = 0; i < 20; i++) {
            front.putRequest(TestRings.randomRequest(random));
        }
        front.pushRequests();
        assertEquals(20, back.pollRequests(r -> back.putResponse(TestRings.echo(r)), 100));
        assertEquals(1, counting.wordReads[REQ_PROD / 4], "req_prod read once per batch");
        for (int b = 64; b < 64 + 20 * 64; b++) {
            assertEquals(1, counting.byteReads[b], "slot byte " + b + " read once");
        }
    }

    @Test
    void shouldParseOnlyTheFirstCopyWhenFrontendRewritesSlot() {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
        CountingSharedMemory counting = new CountingSharedMemory(page);
        SharedBackRing back = SharedBackRing.attach(counting, TYPE);
        MemorySegment request = TestRings.randomRequest(random);
        int len = request.get(U32, 8);
        front.putRequest(request);
        front.pushRequests();
        // the frontend flips len to 255 right after the backend copied the slot (XSA-155)
        counting.afterCopyOut = () -> page.set(U32, 64 + 8, 255);
        List<Integer> lens = new ArrayList<>();
        assertEquals(1, back.pollRequests(r -> lens.add(r.get(U32, 8)), 1), "the published request is consumed");
        assertEquals(255, page.get(U32, 64 + 8), "the frontend did rewrite the slot after the copy");
        assertEquals(List.of(len), lens, "the handler runs once and sees the first-read len, not the rewritten 255");
    }

    @Test
    void shouldBreakFrontRingOnResponseProducerOverflow() {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE, 0xFFFFFFF0,
                FrontRing.ResponseValidator.ACCEPT_ALL);
        front.putRequest(TestRings.randomRequest(random));
        front.pushRequests();
        page.set(ValueLayout.JAVA_INT, RSP_PROD, 0xFFFFFFF0 + 33);
        List<Integer> seen = new ArrayList<>();
        RingBrokenException e = assertThrows(RingBrokenException.class, () -> front.pollResponses((id, r) -> seen.add(id), 100));
        assertEquals(RingFault.RESPONSE_PROD_OVERFLOW, e.fault());
        assertTrue(seen.isEmpty());
        assertThrows(RingBrokenException.class, () -> front.putRequest(TestRings.randomRequest(random)));
    }

    @Test
    void shouldBreakFrontRingWhenMoreResponsesThanRequests() {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
        front.putRequest(TestRings.randomRequest(random));
        front.pushRequests();
        page.set(ValueLayout.JAVA_INT, RSP_PROD, 2);
        RingBrokenException e = assertThrows(RingBrokenException.class, () -> front.pollResponses((id, r) -> { }, 100));
        assertEquals(RingFault.RESPONSE_PROD_BEYOND_REQUESTS, e.fault());
    }

    @Test
    void shouldBreakFrontRingOnOutOfRangeAndDuplicateIds() {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
        for (int i = 0; i < 3; i++) {
            front.putRequest(TestRings.randomRequest(random));
        }
        front.pushRequests();
        back.pollRequests(r -> back.putResponse(TestRings.echo(r)), 100);
        back.pushResponses();
        // second response claims the first's id: duplicate completion
        long firstId = page.get(U64, 64);
        page.set(U64, 64 + 64, firstId);
        List<Integer> seen = new ArrayList<>();
        RingBrokenException e = assertThrows(RingBrokenException.class, () -> front.pollResponses((id, r) -> seen.add(id), 100));
        assertEquals(RingFault.RESPONSE_ID_NOT_OUTSTANDING, e.fault());
        assertEquals(List.of((int) firstId), seen, "the valid response before the bad one is delivered once");

        MemorySegment page2 = TestRings.page(arena, 1);
        SharedFrontRing front2 = SharedFrontRing.initialise(GuestMemory.wrap(page2), TYPE);
        front2.putRequest(TestRings.randomRequest(random));
        front2.pushRequests();
        page2.set(U64, 64, 32);
        page2.set(ValueLayout.JAVA_INT, RSP_PROD, 1);
        RingBrokenException e2 = assertThrows(RingBrokenException.class, () -> front2.pollResponses((id, r) -> { }, 100));
        assertEquals(RingFault.RESPONSE_ID_OUT_OF_RANGE, e2.fault());
    }

    @Test
    void shouldBreakFrontRingWhenValidatorRejects() {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE, 0,
                (request, response) -> response.get(U32, 12) == request.get(U32, 12));
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
        front.putRequest(TestRings.randomRequest(random));
        front.pushRequests();
        back.pollRequests(r -> {
            MemorySegment rsp = TestRings.echo(r);
            rsp.set(U32, 12, ~rsp.get(U32, 12));
            back.putResponse(rsp);
        }, 1);
        back.pushResponses();
        RingBrokenException e = assertThrows(RingBrokenException.class, () -> front.pollResponses((id, r) -> { }, 100));
        assertEquals(RingFault.RESPONSE_REJECTED, e.fault());
    }

    @Test
    void shouldKeepPrivateShadowWhenBackendRewritesRequestSlot() {
        MemorySegment page = TestRings.page(arena, 1);
        SharedFrontRing front = SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE);
        MemorySegment req = TestRings.randomRequest(random);
        int id = front.putRequest(req);
        front.pushRequests();
        page.asSlice(64, 64).fill((byte) 0xEE);
        MemorySegment shadow = front.outstandingRequest(id);
        assertEquals(req.get(U32, 12), shadow.get(U32, 12));
        assertEquals(id, (int) shadow.get(U64, 0));
    }

    @Test
    void shouldReadResponseProducerOnceAndResponseSlotOnce() {
        MemorySegment page = TestRings.page(arena, 1);
        CountingSharedMemory counting = new CountingSharedMemory(page);
        SharedFrontRing front = SharedFrontRing.initialise(counting, TYPE);
        SharedBackRing back = SharedBackRing.attach(GuestMemory.wrap(page), TYPE);
        for (int i = 0; i < 8; i++) {
            front.putRequest(TestRings.randomRequest(random));
        }
        front.pushRequests();
        back.pollRequests(r -> back.putResponse(TestRings.echo(r)), 100);
        back.pushResponses();
        assertEquals(8, front.pollResponses((id, r) -> { }, 100));
        assertEquals(1, counting.wordReads[RSP_PROD / 4]);
        for (int s = 0; s < 8; s++) {
            for (int b = 0; b < 16; b++) {
                assertEquals(1, counting.byteReads[64 + s * 64 + b]);
            }
        }
    }

    @Test
    void shouldSurviveRandomIndicesOnEveryReadWithoutOutOfBoundsOrDuplicates() {
        MemorySegment page = TestRings.page(arena, 1);
        int trials = 0;
        int trialsThatDelivered = 0;
        long delivered = 0;
        for (int trial = 0; trial < 200; trial++) {
            SplittableRandom r = new SplittableRandom(trial);
            int start = r.nextInt();
            page.fill((byte) 0);
            SharedFrontRing.initialise(GuestMemory.wrap(page), TYPE, start, FrontRing.ResponseValidator.ACCEPT_ALL);
            CountingSharedMemory counting = new CountingSharedMemory(page);
            counting.overrideOffset = REQ_PROD;
            counting.indexOverride = v -> r.nextBoolean() ? start + r.nextInt(40) : r.nextInt();
            SharedBackRing back = SharedBackRing.attach(counting, TYPE, start);
            // the test plays the frontend: every slot holds a fresh non-zero serial at offset 16; answering a
            // slot zeroes it (the response is 16 bytes, the rest of the slot is cleared), and between rounds
            // answered slots get new serials. An entry handed out twice shows a repeated or a zero serial.
            long[] nextSerial = {1};
            List<Long> serialsSeen = new ArrayList<>();
            trials++;
            try {
                for (int round = 0; round < 20; round++) {
                    for (int slot = 0; slot < back.size(); slot++) {
                        long at = TYPE.slotOffset(slot, back.size());
                        if (page.get(U64, at + 16) == 0) {
                            page.set(U64, at + 16, nextSerial[0]++);
                            page.set(U32, at + 8, 0);
                        }
                    }
                    int before = back.requestConsumerIndex();
                    int n = back.pollRequests(req -> {
                        serialsSeen.add(req.get(U64, 16));
                        back.putResponse(TestRings.echo(req));
                    }, 64);
                    assertEquals(before + n, back.requestConsumerIndex(), "req_cons moves by the entries handed out");
                    back.pushResponses();
                }
            } catch (RingBrokenException expected) {
                assertEquals(RingState.BROKEN, back.state());
            }
            assertFalse(serialsSeen.contains(0L), "an already answered slot was handed out again (seed " + trial + ")");
            assertEquals(serialsSeen.size(), serialsSeen.stream().distinct().count(),
                    "an entry was handed out twice (seed " + trial + "): " + serialsSeen);
            delivered += serialsSeen.size();
            if (!serialsSeen.isEmpty()) {
                trialsThatDelivered++;
            }
        }
        // the checks above hold vacuously for a ring that hands out nothing: the genuine values (half the
        // reads) must let real requests through in many trials (80 of 200 trials and 1703 requests with these seeds)
        assertEquals(200, trials);
        assertTrue(trialsThatDelivered >= 50, "only " + trialsThatDelivered + " of 200 trials delivered any request");
        assertTrue(delivered >= 1_000, "only " + delivered + " requests delivered over 200 trials");
    }
}
