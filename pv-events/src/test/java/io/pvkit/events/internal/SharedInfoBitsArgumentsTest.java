package io.pvkit.events.internal;

import io.pvkit.abi.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SharedInfoBits} takes 1..32 vCPUs (each {@code vcpu_info} lives in {@code shared_info}) and a frame inside the memory. */
class SharedInfoBitsArgumentsTest {
    @Test
    void vcpuCountsFrom1To32AreAcceptedOthersRefused() {
        try (GuestMemory mem = GuestMemory.allocate(2)) {
            for (int bad : new int[] {0, -1, 33, Integer.MAX_VALUE}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SharedInfoBits(mem, 1, bad));
                assertEquals("vcpus must be 1..32, got " + bad, e.getMessage());
            }
            assertEquals(1, new SharedInfoBits(mem, 1, 1).vcpus());
            SharedInfoBits all = new SharedInfoBits(mem, 1, 32);
            assertTrue(all.setPending(5, 31), "vCPU 31's vcpu_info is inside shared_info: its upcall is raised");
            assertTrue(all.isUpcallPending(31));
        }
    }

    @Test
    void aFrameOutsideTheMemoryIsRefused() {
        try (GuestMemory mem = GuestMemory.allocate(2)) {
            for (long bad : new long[] {2, -1, Long.MAX_VALUE >>> 12, Long.MIN_VALUE}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SharedInfoBits(mem, bad, 1));
                assertEquals("shared_info frame " + bad + " is not inside the memory", e.getMessage());
            }
            new SharedInfoBits(mem, 0, 1);
            new SharedInfoBits(mem, 1, 1);
        }
    }
}
