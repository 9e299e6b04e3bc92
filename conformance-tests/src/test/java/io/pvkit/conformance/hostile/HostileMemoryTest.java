package io.pvkit.conformance.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.ring.SharedRingLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HostileMemoryTest {

    private static final long SLOT = SharedRingLayout.HEADER_SIZE;
    private static final long NR_SEGMENTS = SLOT + 1;
    private static final int MAX_SEGMENTS = 11;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment page = arena.allocate(4096, 4096);

    @AfterEach
    void close() {
        arena.close();
    }

    /** A backend that validates nr_segments in shared memory and then reads it again to use it (XSA-155 shape). */
    private static int doubleFetchingBackend(SharedMemoryView ring) {
        if (ring.getByte(NR_SEGMENTS) > MAX_SEGMENTS) {
            return -1;
        }
        return ring.getByte(NR_SEGMENTS);
    }

    /** A backend that copies the request once and validates the copy (RING_COPY_REQUEST). */
    private static int readOnceBackend(SharedMemoryView ring) {
        MemorySegment copy = MemorySegment.ofArray(new byte[112]);
        ring.copyTo(SLOT, copy, 0, copy.byteSize());
        byte n = copy.get(ValueLayout.JAVA_BYTE, 1);
        return n > MAX_SEGMENTS ? -1 : n;
    }

    @Test
    void shouldExposeADoubleFetchByCountAndByChangedValue() {
        page.set(ValueLayout.JAVA_BYTE, NR_SEGMENTS, (byte) 3);
        HostileMemory hostile = new HostileMemory(page).changeAfterFirstRead(NR_SEGMENTS, 1, 100);
        int used = doubleFetchingBackend(hostile);
        assertEquals(2, hostile.reads(NR_SEGMENTS));
        assertEquals(100, used, "the second fetch saw the peer's new value after validation");
        assertEquals(100, page.get(ValueLayout.JAVA_BYTE, NR_SEGMENTS), "the change is real, in the segment");
    }

    @Test
    void shouldShowThatAReadOnceBackendActsOnTheFirstValue() {
        page.set(ValueLayout.JAVA_BYTE, NR_SEGMENTS, (byte) 3);
        HostileMemory hostile = new HostileMemory(page).changeAfterFirstRead(NR_SEGMENTS, 1, 100).field(SLOT, 8);
        assertEquals(3, readOnceBackend(hostile));
        assertEquals(1, hostile.reads(NR_SEGMENTS));
        assertEquals(1, hostile.reads(SLOT), "a copy overlapping a field counts one read of it");
    }

    @Test
    void shouldReturnScriptedIndexValuesOnEachRead() {
        page.set(ValueLayout.JAVA_INT, SharedRingLayout.REQ_PROD_OFFSET, 4);
        HostileMemory hostile = new HostileMemory(page).script(SharedRingLayout.REQ_PROD_OFFSET, 1, 0xFFFF_FFFF, 0x8000_0000);
        assertEquals(1, hostile.getIntAcquire(SharedRingLayout.REQ_PROD_OFFSET));
        assertEquals(0xFFFF_FFFF, hostile.getInt(SharedRingLayout.REQ_PROD_OFFSET));
        assertEquals(0x8000_0000, hostile.getIntVolatile(SharedRingLayout.REQ_PROD_OFFSET));
        assertEquals(0x8000_0000, hostile.getIntAcquire(SharedRingLayout.REQ_PROD_OFFSET), "the last value repeats");
        assertEquals(4, hostile.reads(SharedRingLayout.REQ_PROD_OFFSET));
        assertEquals(4, page.get(ValueLayout.JAVA_INT, SharedRingLayout.REQ_PROD_OFFSET), "memory itself unchanged");
    }

    @Test
    void shouldScriptValuesAsAFunctionOfTheReadNumber() {
        HostileMemory hostile = new HostileMemory(page).script(SharedRingLayout.RSP_PROD_OFFSET, n -> n * 1000);
        for (int n = 0; n < 5; n++) {
            assertEquals(n * 1000, hostile.getIntAcquire(SharedRingLayout.RSP_PROD_OFFSET));
        }
    }

    @Test
    void shouldPassStoresThroughAndCountOnlyReads() {
        HostileMemory hostile = new HostileMemory(page).field(SharedRingLayout.RSP_EVENT_OFFSET, 4);
        hostile.setIntRelease(SharedRingLayout.RSP_EVENT_OFFSET, 7);
        hostile.setLong(128, -2L);
        assertEquals(0, hostile.reads(SharedRingLayout.RSP_EVENT_OFFSET));
        assertEquals(7, page.get(ValueLayout.JAVA_INT, SharedRingLayout.RSP_EVENT_OFFSET));
        assertEquals(-2L, hostile.getLong(128));
        assertEquals(7, hostile.getIntAcquire(SharedRingLayout.RSP_EVENT_OFFSET));
        assertEquals(1, hostile.reads(SharedRingLayout.RSP_EVENT_OFFSET));
        hostile.resetReads();
        assertEquals(0, hostile.reads(SharedRingLayout.RSP_EVENT_OFFSET));
    }

    @Test
    void shouldRejectUnknownFieldsAndBadRanges() {
        HostileMemory hostile = new HostileMemory(page);
        assertThrows(IllegalArgumentException.class, () -> hostile.reads(0));
        assertThrows(IllegalArgumentException.class, () -> hostile.field(4094, 4));
        assertThrows(IllegalArgumentException.class, () -> hostile.changeAfterFirstRead(0, 3, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> SharedMemoryView.of(page).getInt(4093));
    }

    @Test
    void shouldFlipAFieldOfARealSegmentFromAnotherThread() throws InterruptedException {
        MemorySegment shared = Arena.ofAuto().allocate(64, 64);
        boolean sawFirst = false;
        boolean sawSecond = false;
        try (FieldFlipper flipper = FieldFlipper.start(shared, 8, 1, 0x7FFF_FFFF)) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!(sawFirst && sawSecond) && System.nanoTime() < deadline) {
                int v = (int) ValueLayout.JAVA_INT.varHandle().getVolatile(shared, 8L);
                sawFirst |= v == 1;
                sawSecond |= v == 0x7FFF_FFFF;
                Thread.onSpinWait();
            }
            assertTrue(flipper.flips() > 0);
        }
        assertTrue(sawFirst && sawSecond, "a reader of the real segment saw both values");
        assertThrows(IllegalArgumentException.class, () -> FieldFlipper.start(shared, 2, 0, 1));
    }
}
