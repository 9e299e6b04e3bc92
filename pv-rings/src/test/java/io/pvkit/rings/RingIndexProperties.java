package io.pvkit.rings;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Seeded properties of the unsigned index helpers (each failure message carries its seed). */
class RingIndexProperties {
    private static final long SEED = Long.getLong("pvkit.seed", 0x5EEDL);
    private static final int TRIES = Integer.getInteger("pvkit.tries", 200) * 50;

    private static int near(SplittableRandom r) {
        // favour the wrap points
        int[] anchors = {0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0xFFFFFFF0};
        return r.nextBoolean() ? anchors[r.nextInt(anchors.length)] + r.nextInt(-40, 40) : r.nextInt();
    }

    @Test
    void wrapAroundPreservesDistance() {
        SplittableRandom r = new SplittableRandom(SEED);
        for (int i = 0; i < TRIES; i++) {
            int a = near(r);
            int b = near(r);
            int k = near(r);
            assertEquals(RingIndex.distance(a, b), RingIndex.distance(a + k, b + k), "seed " + SEED + " try " + i);
            assertEquals((RingIndex.distance(a, b) + RingIndex.distance(b, a)) % (1L << 32), 0, "seed " + SEED);
        }
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
