package io.pvkit.guest.block;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockPatternTest {

    @Test
    void shouldBeAFunctionOfSeedLbaAndBlockSizeOnly() {
        assertArrayEquals(BlockPattern.expected(42, 8, 4096), BlockPattern.expected(42, 8, 4096));
        assertFalse(Arrays.equals(BlockPattern.expected(42, 8, 4096), BlockPattern.expected(43, 8, 4096)));
        assertFalse(Arrays.equals(BlockPattern.expected(42, 8, 4096), BlockPattern.expected(42, 16, 4096)));
        byte[] block = new byte[4096];
        BlockPattern.fill(42, 8, MemorySegment.ofArray(block));
        assertArrayEquals(BlockPattern.expected(42, 8, 4096), block);
    }

    @Test
    void shouldCarryAHeaderAndAValidChecksum() {
        for (int size : new int[] {512, 1024, 4096, 65536, 512 * 3}) {
            byte[] b = BlockPattern.expected(-1, 123_456_789_012L, size);
            ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(BlockPattern.MAGIC, h.getLong(0));
            assertEquals("PVKITBLK", new String(b, 0, 8, java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(-1, h.getLong(8));
            assertEquals(123_456_789_012L, h.getLong(16));
            assertEquals(size, h.getInt(24));
            assertTrue(BlockPattern.checksumValid(MemorySegment.ofArray(b)), "size " + size);
        }
    }

    @Test
    void shouldFindTheFirstDifferingByte() {
        byte[] b = BlockPattern.expected(7, 0, 4096);
        assertEquals(-1, BlockPattern.firstMismatch(7, 0, MemorySegment.ofArray(b)));
        b[1000] ^= 1;
        assertEquals(1000, BlockPattern.firstMismatch(7, 0, MemorySegment.ofArray(b)));
        assertFalse(BlockPattern.checksumValid(MemorySegment.ofArray(b)));
        assertEquals(16, BlockPattern.firstMismatch(7, 8, MemorySegment.ofArray(BlockPattern.expected(7, 0, 4096))),
                "a block of another lba differs first at its header's lba field");
    }

    @Test
    void shouldDescribeBlocksFromSectorZero() {
        BlockPattern p = new BlockPattern(1, 8192, 10);
        assertEquals(0, p.lbaOf(0));
        assertEquals(16 * 9, p.lbaOf(9));
        assertThrows(IllegalArgumentException.class, () -> new BlockPattern(1, 1000, 1));
        assertThrows(IllegalArgumentException.class, () -> BlockPattern.expected(1, 0, 0));
    }

    @Test
    void shouldVisitEveryBlockExactlyOnceInEitherOrder() {
        for (long blocks : new long[] {1, 2, 3, 7, 64, 100, 1000, 4097}) {
            for (long seed : new long[] {0, 1, 42, -7}) {
                BlockOrder order = BlockOrder.random(blocks, seed);
                boolean[] seen = new boolean[(int) blocks];
                for (long i = 0; i < blocks; i++) {
                    long b = order.next();
                    assertFalse(seen[(int) b], "block " + b + " twice (blocks " + blocks + ", seed " + seed + ")");
                    seen[(int) b] = true;
                }
                assertThrows(IllegalStateException.class, order::next);
                BlockOrder again = order.restart();
                BlockOrder fresh = BlockOrder.random(blocks, seed);
                for (long i = 0; i < blocks; i++) {
                    assertEquals(fresh.next(), again.next());
                }
            }
            BlockOrder seq = BlockOrder.sequential(blocks);
            for (long i = 0; i < blocks; i++) {
                assertEquals(i, seq.next());
            }
        }
        BlockOrder r = BlockOrder.random(1000, 3);
        long inPlace = 0;
        for (long i = 0; i < 1000; i++) {
            inPlace += r.next() == i ? 1 : 0;
        }
        assertTrue(inPlace < 50, "random is not sequential: " + inPlace + " blocks in place");
    }
}
