package io.pvkit.grant.internal;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaptrackTest {

    private static Mapping mapping() {
        return new Mapping(null, null, false, 0, 0);
    }

    @Test
    void shouldGiveEachSlotAllTheBitsTheIndexDoesNotNeed() {
        assertEquals(31, Maptrack.generationBits(1));
        assertEquals(30, Maptrack.generationBits(2));
        assertEquals(21, Maptrack.generationBits(1024));
        assertEquals(20, Maptrack.generationBits(1025));
        assertEquals(11, Maptrack.generationBits(Maptrack.MAX_LIMIT));
    }

    @Test
    void shouldUseEverySlotBeforeReusingOneAndReuseLeastRecentlyFreedFirst() {
        Maptrack t = new Maptrack(4);
        Set<Integer> handles = new HashSet<>();
        // one mapping at a time: each of the 4 slots is used once before any is reused
        int[] order = new int[8];
        for (int i = 0; i < 8; i++) {
            Mapping m = mapping();
            int h = t.allocate(m);
            assertTrue(handles.add(h), "handle " + h + " issued twice");
            order[i] = h & 3;
            t.free(m);
        }
        assertEquals(Set.of(0, 1, 2, 3), Set.of(order[0], order[1], order[2], order[3]));
        for (int i = 4; i < 8; i++) {
            assertEquals(order[i - 4], order[i], "FIFO reuse");
        }
    }

    @Test
    void shouldStateTheRealBoundAStaleHandleIsRecognisedUntilItsGenerationWraps() {
        // the bound, made visible with a 3-bit generation: the handle of the first use of the only slot comes
        // back after exactly 2^3 reuses; with the real width that is 2^generationBits(limit) reuses of a slot
        Maptrack t = new Maptrack(1, 3);
        Mapping first = mapping();
        int stale = t.allocate(first);
        t.free(first);
        for (int reuse = 1; reuse < 8; reuse++) {
            Mapping m = mapping();
            assertNotEquals(stale, t.allocate(m), "reuse " + reuse);
            assertNull(t.lookup(stale));
            t.free(m);
        }
        Mapping wrapped = mapping();
        assertEquals(stale, t.allocate(wrapped), "the 8th reuse wraps the 3-bit generation");
    }

    @Test
    void shouldAnswerMinusOneOnceEverySlotIsTakenAndCountLiveMappings() {
        Maptrack t = new Maptrack(3);
        assertEquals(3, t.limit());
        assertEquals(0, t.size());
        Mapping a = mapping();
        Mapping b = mapping();
        Mapping c = mapping();
        assertEquals(0, t.allocate(a) & 3);
        assertEquals(1, t.allocate(b) & 3);
        assertEquals(2, t.allocate(c) & 3);
        assertEquals(3, t.size());
        assertEquals(-1, t.allocate(mapping()), "the limit is reached");
        assertEquals(3, t.size(), "a refused allocation adds nothing");
        t.retire(b);
        assertEquals(2, t.size(), "a retired mapping is not live");
        assertEquals(3, t.slotsInUse(), "but keeps its slot");
        assertEquals(-1, t.allocate(mapping()), "a retired slot is not reused before its release");
        t.release(b);
        Mapping d = mapping();
        assertEquals(1, t.allocate(d) & 3, "the released slot is reused");
        assertEquals(3, t.size());
        assertEquals(d, t.lookup(d.handle));
    }

    @Test
    void shouldKeepTheLimitItWasMadeWith() {
        assertEquals(1, new Maptrack(1).limit());
        assertEquals(Maptrack.MAX_LIMIT, new Maptrack(Maptrack.MAX_LIMIT).limit());
    }
}
