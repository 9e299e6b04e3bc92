package io.pvkit.conformance.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.GuestMemoryFault;
import io.pvkit.abi.memory.MemoryAccess;
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
    private static int doubleFetchingBackend(MemoryAccess ring) {
        if (ring.getByte(NR_SEGMENTS) > MAX_SEGMENTS) {
            return -1;
        }
        return ring.getByte(NR_SEGMENTS);
    }

    /** A backend that copies the request once and validates the copy (RING_COPY_REQUEST). */
    private static int readOnceBackend(MemoryAccess ring) {
        MemorySegment copy = MemorySegment.ofArray(new byte[112]);
        MemoryCopies.copyOut(ring, SLOT, copy, 0, copy.byteSize());
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
        assertThrows(IllegalArgumentException.class, () -> hostile.fault(4090, 8, HostileMemory.Access.ANY));
        assertThrows(IllegalArgumentException.class, () -> hostile.afterRead(0, 4, 0, m -> { }));
    }

    @Test
    void shouldBeTheSharedMemorySeamOverAnyMemoryAccess() {
        GuestMemory real = GuestMemory.wrap(page);
        MemoryAccess hostile = new HostileMemory(real);
        hostile.setLongRelease(64, 0x0102_0304_0506_0708L);
        assertEquals(0x0102_0304_0506_0708L, real.getLongAcquire(64), "stores reach the real memory");
        assertEquals(0x0506_0708, hostile.getAndBitwiseOrInt(64, 0x10), "read-modify-writes act on the real value");
        assertEquals(0x0506_0718, real.getInt(64));
        assertTrue(hostile.compareAndSetInt(64, 0x0506_0718, 7));
        assertEquals(0x01, hostile.getAndBitwiseAndByte(68 + 3, 0), "byte RMW through its word");
        assertEquals(0x0002_0304, real.getInt(68));
        byte[] out = new byte[4];
        hostile.fill(200, 4, (byte) 9);
        hostile.read(200, out, 0, 4);
        assertArrayEquals(new byte[] {9, 9, 9, 9}, out);
        assertTrue(hostile.contains(4092, 4));
        assertFalse(hostile.contains(4093, 4));
        assertEquals(4096, hostile.byteSize());
    }

    @Test
    void shouldCountReadModifyWritesAsReadsAndWritesAndStoresAsWritesOnly() {
        HostileMemory hostile = new HostileMemory(page).field(16, 4);
        hostile.setIntRelease(16, 1);
        hostile.compareAndExchangeInt(16, 1, 2);
        hostile.getAndAddInt(16, 1);
        hostile.write(12, new byte[8], 0, 8);
        assertEquals(2, hostile.reads(16));
        assertEquals(4, hostile.writes(16));
    }

    @Test
    void shouldChangeAFieldExactlyBetweenTheFirstAndTheSecondRead() {
        // the grant shape: the hypervisor reads the flags word, validates it, and must use that copy
        GuestMemory real = GuestMemory.wrap(page);
        real.setShort(8, (short) 0x1);
        HostileMemory hostile = new HostileMemory(real).changeAfterFirstRead(8, 2, 0x4);
        assertEquals(0x1, hostile.getShort(8), "the first read sees the honest value");
        assertEquals(0x4, real.getShort(8), "the peer wrote right after the first read");
        assertEquals(0x4, hostile.getShort(8), "the second read sees the change");
        assertEquals(2, hostile.reads(8));
    }

    @Test
    void shouldRunAPeerActionAfterTheNthReadOnly() {
        GuestMemory real = GuestMemory.wrap(page);
        int[] runs = new int[1];
        HostileMemory hostile = new HostileMemory(real).afterRead(32, 8, 2, m -> {
            runs[0]++;
            m.setLong(32, -1L);
        });
        assertEquals(0L, hostile.getLongVolatile(32));
        assertEquals(0, runs[0], "not after the first read");
        assertEquals(0L, hostile.getLongAcquire(32), "the second read returns what it read; the peer acts after it");
        assertEquals(1, runs[0]);
        assertEquals(-1L, hostile.getLong(32));
        assertEquals(1, runs[0], "only once");
    }

    @Test
    void shouldRunAPeerActionAfterEachOfTheNextReadsOnly() {
        HostileMemory hostile = new HostileMemory(page);
        hostile.getInt(40);
        hostile.field(40, 4).getInt(40);
        int[] runs = new int[1];
        hostile.afterNextReads(40, 4, 3, m -> runs[0]++);
        assertEquals(0, runs[0], "the reads made before it are not watched");
        for (int read = 1; read <= 5; read++) {
            hostile.getIntVolatile(40);
            assertEquals(Math.min(read, 3), runs[0], "after read " + read + " from now on");
        }
        assertThrows(IllegalArgumentException.class, () -> hostile.afterNextReads(40, 4, 0, m -> { }));
    }

    @Test
    void shouldScript64BitLoadsWithoutChangingMemory() {
        HostileMemory hostile = new HostileMemory(page).scriptLong(64, n -> n == 0 ? 1L << 63 : 0L);
        assertEquals(1L << 63, hostile.getLongAcquire(64));
        assertEquals(0L, hostile.getLongVolatile(64));
        assertEquals(0L, page.get(ValueLayout.JAVA_LONG, 64), "memory itself unchanged");
        assertEquals(2, hostile.reads(64));
    }

    @Test
    void shouldFaultMatchingAccessesAndTouchNothing() {
        HostileMemory hostile = new HostileMemory(page).field(256, 4).fault(256, 4, HostileMemory.Access.WRITE);
        GuestMemoryFault f = assertThrows(GuestMemoryFault.class, () -> hostile.setInt(256, 5));
        assertEquals(256, f.address());
        assertThrows(GuestMemoryFault.class, () -> hostile.getAndBitwiseOrInt(256, 1), "a read-modify-write writes");
        assertThrows(GuestMemoryFault.class, () -> hostile.write(250, new byte[8], 0, 8), "an overlapping copy in");
        assertEquals(0, page.get(ValueLayout.JAVA_INT, 256), "nothing was written");
        assertEquals(0, hostile.getInt(256), "reads still work");
        assertEquals(0, hostile.writes(256));
        assertEquals(3, hostile.faulted());
        hostile.faultAfter(512, 8, HostileMemory.Access.READ, 2);
        hostile.getLong(512);
        hostile.getInt(516);
        assertThrows(GuestMemoryFault.class, () -> hostile.getByte(513), "the third read faults");
        hostile.setLong(512, 1L);
        assertThrows(GuestMemoryFault.class, () -> hostile.compareAndSetLong(512, 1L, 2L), "a read-modify-write reads");
        assertEquals(1L, page.get(ValueLayout.JAVA_LONG, 512));
    }

    @Test
    void shouldExposeTheSegmentOnlyOfAGuestMemory() {
        assertEquals(page, new HostileMemory(page).segment());
        HostileMemory twice = new HostileMemory(new HostileMemory(page));
        assertThrows(IllegalStateException.class, twice::segment);
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

    /** copyOut/copyIn of MemoryAccess are one counted access each, faulted like any other, and act for real. */
    @Test
    void shouldCountAndFaultSegmentCopiesAsOneAccess() {
        HostileMemory hostile = new HostileMemory(page).field(SLOT, 8).field(SLOT + 8, 8);
        hostile.afterRead(SLOT, 8, 1, m -> m.setLong(SLOT + 8, 0x1111_1111_1111_1111L));
        MemorySegment priv = arena.allocate(32);
        priv.fill((byte) 9);
        hostile.copyIn(priv, 0, SLOT, 16);
        assertEquals(1, hostile.writes(SLOT));
        assertEquals(1, hostile.writes(SLOT + 8));
        assertEquals(0x0909_0909_0909_0909L, page.get(ValueLayout.JAVA_LONG, SLOT + 8));
        MemorySegment out = arena.allocate(32);
        hostile.copyOut(SLOT, out, 0, 16);
        assertEquals(1, hostile.reads(SLOT), "one copy is one read of every field it overlaps");
        assertEquals(1, hostile.reads(SLOT + 8));
        assertEquals(0x0909_0909_0909_0909L, out.get(ValueLayout.JAVA_LONG, 8), "the copy saw memory before the peer wrote");
        assertEquals(0x1111_1111_1111_1111L, page.get(ValueLayout.JAVA_LONG, SLOT + 8), "the peer action ran after the read");
        hostile.fault(SLOT, 4, HostileMemory.Access.ANY);
        MemorySegment untouched = arena.allocate(32);
        assertThrows(GuestMemoryFault.class, () -> hostile.copyOut(SLOT, untouched, 0, 16));
        assertThrows(GuestMemoryFault.class, () -> hostile.copyIn(untouched, 0, SLOT, 16));
        assertEquals(2, hostile.faulted());
        assertEquals(0L, untouched.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(0x0909_0909_0909_0909L, page.get(ValueLayout.JAVA_LONG, SLOT));
    }
}
