package io.pvkit.abi.platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link SchedShutdownLayout} to literal offsets from Xen's {@code xen/sched.h} (x86_64). */
class SchedShutdownLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(4, SchedShutdownLayout.SIZE);
        assertEquals("sched_shutdown", SchedShutdownLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, SchedShutdownLayout.REASON_OFFSET, "reason");
    }
}
