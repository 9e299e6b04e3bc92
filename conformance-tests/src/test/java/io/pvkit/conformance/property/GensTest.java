package io.pvkit.conformance.property;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GensTest {

    private static <T> List<T> sample(Gen<T> gen, int n, long seed) {
        Source source = Source.random(seed);
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> gen.generate(source)).toList();
    }

    @Test
    void shouldGenerateIntWrapPointsAsEdgeCases() {
        Set<Integer> seen = new HashSet<>(sample(Gens.ints(), 4000, 42));
        for (int edge : new int[] {0, 1, -1, 0x8000_0000, 0x7FFF_FFFF, 0xFFFF_FFFF}) {
            assertTrue(seen.contains(edge), "edge case " + Integer.toHexString(edge) + " never generated");
        }
    }

    @Test
    void shouldGenerateLongWrapPointsAsEdgeCases() {
        Set<Long> seen = new HashSet<>(sample(Gens.uint32(), 4000, 7));
        for (long edge : new long[] {0, 1, 0xFFFF_FFFFL, 0x8000_0000L, 0x7FFF_FFFFL, 0xFFFF_FFFEL}) {
            assertTrue(seen.contains(edge), "edge case " + Long.toHexString(edge) + " never generated");
        }
        assertTrue(seen.stream().allMatch(v -> v >= 0 && v <= 0xFFFF_FFFFL));
    }

    @Test
    void shouldStayInRange() {
        assertTrue(sample(Gens.longs(-5, 3), 2000, 1).stream().allMatch(v -> v >= -5 && v <= 3));
        assertEquals(Set.of(-5L, -4L, -3L, -2L, -1L, 0L, 1L, 2L, 3L), new HashSet<>(sample(Gens.longs(-5, 3), 2000, 1)));
        assertTrue(sample(Gens.ints(10, 12), 500, 2).stream().allMatch(v -> v >= 10 && v <= 12));
        assertTrue(sample(Gens.ints(-12, -10), 500, 2).stream().allMatch(v -> v >= -12 && v <= -10));
        assertTrue(sample(Gens.lists(Gens.bytes(), 2, 5), 500, 3).stream().allMatch(l -> l.size() >= 2 && l.size() <= 5));
    }

    @Test
    void shouldEncodeAndDecodeEveryValueOfARange() {
        long[][] ranges = {{Long.MIN_VALUE, Long.MAX_VALUE}, {0, 0xFFFF_FFFFL}, {-3, 1000}, {-1000, 3}, {7, 9},
            {-9, -7}, {Integer.MIN_VALUE, Integer.MAX_VALUE}};
        for (long[] r : ranges) {
            Gens.LongRange range = new Gens.LongRange(r[0], r[1]);
            assertEquals(range.origin(), range.decode(0));
            Property.named("roundTrip " + r[0] + ".." + r[1]).tries(300).forAll(Gens.longs(r[0], r[1]), v -> {
                long c = range.encode(v);
                assertTrue(Long.compareUnsigned(c, range.bound()) <= 0, "choice within bound");
                assertEquals(v, range.decode(c));
            });
        }
    }

    @Test
    void shouldShrinkSmallerChoicesToValuesCloserToZero() {
        Gens.LongRange range = new Gens.LongRange(-3, 1000);
        assertEquals(List.of(0L, 1L, -1L, 2L, -2L, 3L, -3L, 4L, 5L),
                java.util.stream.LongStream.range(0, 9).mapToObj(range::decode).toList());
    }

    @Test
    void shouldReproduceValuesFromTheSameSeed() {
        Gen<List<Integer>> gen = Gens.lists(Gens.ints(), 0, 30);
        assertEquals(sample(gen, 50, 99), sample(gen, 50, 99));
    }
}
