package io.pvkit.rings;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seeded properties of the unsigned index helpers (each failure message carries its seed). */
class RingIndexProperties {
    private static final long SEED = Long.getLong("pvkit.seed", 0x5EEDL);
    private static final int TRIES = Integer.getInteger("pvkit.tries", 200) * 50;

    private static int near(SplittableRandom r) {
        // favour the wrap points
        int[] anchors = {0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0xFFFFFFF0};
        return r.nextBoolean() ? anchors[r.nextInt(anchors.length)] + r.nextInt(-40, 40) : r.nextInt();
    }

    /** The distance a ring needs: {@code (to - from) mod 2^32}, computed without int arithmetic. */
    private static long modelDistance(int from, int to) {
        return Math.floorMod(Integer.toUnsignedLong(to) - Integer.toUnsignedLong(from), 1L << 32);
    }

    /**
     * The distance properties, against any candidate implementation: equal to the model, in
     * {@code [0, 2^32)}, invariant under a common shift, and {@code d(a,b) + d(b,a)} is exactly 0 or 2^32
     * (a signed distance gives {@code d + (-d) = 0} and a negative value, which fails both).
     */
    static void checkDistance(IntBinaryOperatorToLong distance) {
        SplittableRandom r = new SplittableRandom(SEED);
        for (int i = 0; i < TRIES; i++) {
            int a = near(r);
            int b = near(r);
            int k = near(r);
            String at = "seed " + SEED + " try " + i + " a=" + Integer.toUnsignedString(a) + " b=" + Integer.toUnsignedString(b);
            long d = distance.apply(a, b);
            assertEquals(modelDistance(a, b), d, at + ": distance differs from (b - a) mod 2^32");
            assertTrue(d >= 0 && d < (1L << 32), at + ": distance " + d + " outside [0, 2^32)");
            assertEquals(d, distance.apply(a + k, b + k), at + " k=" + k + ": shifting both indices changed the distance");
            assertEquals(a == b ? 0 : 1L << 32, d + distance.apply(b, a), at + ": d(a,b) + d(b,a) must be exactly 2^32 (or 0 when a == b)");
        }
    }

    /** A distance candidate. */
    @FunctionalInterface
    interface IntBinaryOperatorToLong {
        long apply(int from, int to);
    }

    @Test
    void wrapAroundPreservesDistance() {
        checkDistance(RingIndex::distance);
    }

    /** The property is able to fail: a signed distance (the classic bug) violates it. */
    @Test
    void distancePropertyRejectsASignedDistance() {
        assertThrows(AssertionFailedError.class, () -> checkDistance((from, to) -> (long) (to - from)));
        assertThrows(AssertionFailedError.class, () -> checkDistance((from, to) -> Math.abs((long) to - (long) from)));
    }

    @Test
    void eventInWindowMatchesItsDefinition() {
        SplittableRandom r = new SplittableRandom(SEED);
        for (int i = 0; i < TRIES; i++) {
            int old = near(r);
            int d = r.nextInt(0, 65);
            int event = r.nextBoolean() ? old + r.nextInt(-70, 70) : near(r);
            boolean expected = false;
            for (int k = 1; k <= d; k++) {
                expected |= old + k == event;
            }
            assertEquals(expected, RingIndex.eventInWindow(event, old, old + d),
                    "seed " + SEED + " old=" + Integer.toUnsignedString(old) + " d=" + d + " event=" + Integer.toUnsignedString(event));
        }
    }

    @Test
    void exceedsIsUnsignedDistanceAboveLimit() {
        SplittableRandom r = new SplittableRandom(SEED);
        for (int i = 0; i < TRIES; i++) {
            int base = near(r);
            int ahead = r.nextInt(-100, 100);
            assertEquals(ahead < 0 || ahead > 32, RingIndex.exceeds(base, base + ahead, 32), "seed " + SEED + " ahead " + ahead);
        }
    }
}
