package io.pvkit.grant;

import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link GuestGrantTable}'s Java API around the grant protocol: its frames, capacity, advisory test and text. */
class GuestTableConstructionTest {
    @Test
    void shouldRefuseATableWithoutFramesOrWithAFrameOutsideMemory() {
        try (GuestMemory mem = GuestMemory.allocate(4)) {
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                    () -> new GuestGrantTable(mem));
            assertEquals("a grant table needs at least one frame", none.getMessage());
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> new GuestGrantTable(mem, 0, -1));
            assertEquals("grant table frame -1 outside guest memory", negative.getMessage());
            IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                    () -> new GuestGrantTable(mem, 1, 4));
            assertEquals("grant table frame 4 outside guest memory", past.getMessage());
            assertEquals(1024, new GuestGrantTable(mem, 0, 3).capacity(), "the last frame is inside");
        }
    }

    @Test
    void shouldCountFiveHundredTwelveReferencesPerFrame() {
        try (GuestMemory mem = GuestMemory.allocate(8)) {
            assertEquals(512, new GuestGrantTable(mem, 5).capacity());
            assertEquals(3 * 512, new GuestGrantTable(mem, 1, 2, 3).capacity());
        }
    }

    @Test
    void shouldTellAnUnusedGrantFromABusyOne() {
        try (GuestMemory mem = GuestMemory.allocate(4)) {
            GuestGrantTable t = new GuestGrantTable(mem, 0);
            int ref = t.grantAccess(1, 2, false);
            assertFalse(t.isInUse(ref), "granted, not mapped");
            assertFalse(t.isInUse(100), "never granted");
            mem.getAndBitwiseOrInt(t.entryGpa(ref), io.pvkit.abi.grant.GrantFlags.READING);
            assertTrue(t.isInUse(ref));
        }
    }

    @Test
    void shouldDescribeItsSizeAndFramesInToString() {
        try (GuestMemory mem = GuestMemory.allocate(4)) {
            assertEquals("GuestGrantTable[1024 refs, frames at [4096, 12288]]",
                    new GuestGrantTable(mem, 1, 3).toString());
        }
    }
}
