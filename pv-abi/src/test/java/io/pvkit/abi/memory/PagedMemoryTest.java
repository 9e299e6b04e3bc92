package io.pvkit.abi.memory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PagedMemory} over separately allocated pages behaves exactly like one contiguous {@link GuestMemory}
 * of the same size (seeded random operations on both, compared after each), except that scalar and atomic
 * accesses straddling a page are refused; an unmapped page fails every access through it.
 */
class PagedMemoryTest {
    private static final int PAGES = 4;
    private static final long SEED = Long.getLong("pvkit.seed", 0xBA6E5L);

    @Test
    void shouldBehaveLikeOneContiguousAreaForSeededRandomOperations() {
        try (Arena arena = Arena.ofConfined(); GuestMemory reference = GuestMemory.allocate(PAGES)) {
            MemorySegment[] pages = new MemorySegment[PAGES];
            for (int i = PAGES - 1; i >= 0; i--) {     // allocated in reverse: not contiguous in order
                pages[i] = arena.allocate(4096, 4096);
            }
            PagedMemory paged = PagedMemory.of(pages);
            assertEquals(PAGES, paged.pageCount());
            assertEquals(reference.byteSize(), paged.byteSize());
            SplittableRandom rnd = new SplittableRandom(SEED);
            for (int i = 0; i < 20_000; i++) {
                long gpa = rnd.nextLong(paged.byteSize() - 8) & ~7L;
                int v = rnd.nextInt();
                switch (rnd.nextInt(9)) {
                    case 0 -> { paged.setInt(gpa, v); reference.setInt(gpa, v); }
                    case 1 -> { paged.setLong(gpa, (long) v << 17); reference.setLong(gpa, (long) v << 17); }
                    case 2 -> assertEquals(reference.getAndBitwiseOrInt(gpa, v), paged.getAndBitwiseOrInt(gpa, v));
                    case 3 -> assertEquals(reference.compareAndExchangeInt(gpa, v, ~v),
                            paged.compareAndExchangeInt(gpa, v, ~v));
                    case 4 -> {
                        long b = gpa + rnd.nextInt(8);
                        assertEquals(reference.getAndBitwiseAndByte(b, v), paged.getAndBitwiseAndByte(b, v));
                    }
                    case 5 -> {
                        long s = gpa + 2L * rnd.nextInt(4);
                        assertEquals(reference.getAndBitwiseOrShort(s, v), paged.getAndBitwiseOrShort(s, v));
                    }
                    case 6 -> {   // byte ranges across page boundaries
                        long at = rnd.nextLong(paged.byteSize() - 6000);
                        byte[] data = new byte[1 + rnd.nextInt(6000)];
                        rnd.nextBytes(data);
                        paged.write(at, data, 0, data.length);
                        reference.write(at, data, 0, data.length);
                    }
                    case 7 -> {
                        long at = rnd.nextLong(paged.byteSize() - 5000);
                        int n = 1 + rnd.nextInt(5000);
                        paged.fill(at, n, (byte) v);
                        reference.fill(at, n, (byte) v);
                    }
                    default -> {
                        long at = rnd.nextLong(paged.byteSize() - 9000);
                        int n = 1 + rnd.nextInt(9000);
                        MemorySegment out = arena.allocate(n);
                        paged.copyOut(at, out, 0, n);
                        assertArrayEquals(reference.slice(at, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                                out.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "copyOut at " + at + ", op " + i);
                        paged.copyIn(out, 0, at, n);   // a round trip changes nothing
                    }
                }
            }
            byte[] all = new byte[(int) paged.byteSize()];
            paged.read(0, all, 0, all.length);
            assertArrayEquals(reference.slice(0, all.length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), all,
                    "seed " + SEED);
            for (int p = 0; p < PAGES; p++) {
                assertEquals(reference.getLong(p * 4096L + 8), pages[p].get(java.lang.foreign.ValueLayout.JAVA_LONG, 8),
                        "page " + p + " is the area's bytes " + p * 4096 + "..");
            }
        }
    }

    @Test
    void shouldRefuseScalarAccessesThatStraddleAPageOrLeaveTheArea() {
        try (Arena arena = Arena.ofConfined()) {
            PagedMemory paged = PagedMemory.of(arena.allocate(4096), arena.allocate(4096));
            assertThrows(IndexOutOfBoundsException.class, () -> paged.getInt(4094));
            assertThrows(IndexOutOfBoundsException.class, () -> paged.setLong(4092, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> paged.compareAndSetInt(8192, 0, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> paged.getByte(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> paged.read(8000, new byte[200], 0, 200));
            assertThrows(IllegalArgumentException.class, () -> paged.getAndBitwiseOrShort(3, 1));
            assertTrue(paged.contains(0, 8192));
            assertFalse(paged.contains(1, 8192));
            assertFalse(paged.contains(Long.MAX_VALUE, 2));
            paged.setInt(4092, 7);
            assertEquals(7, paged.getInt(4092));
        }
        assertThrows(IllegalArgumentException.class, PagedMemory::of);
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> PagedMemory.of(arena.allocate(4095)));
        }
    }

    @Test
    void shouldFailEveryAccessThroughAnUnmappedPage() {
        Arena second = Arena.ofShared();
        try (Arena first = Arena.ofConfined()) {
            PagedMemory paged = PagedMemory.of(first.allocate(4096), second.allocate(4096));
            paged.setInt(4096, 1);
            second.close();
            assertEquals(0, paged.getInt(0), "the mapped page still works");
            assertThrows(IllegalStateException.class, () -> paged.getInt(4096));
            assertThrows(IllegalStateException.class, () -> paged.read(4000, new byte[200], 0, 200));
        }
    }
}
