package io.pvkit.abi.platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link SchedPollLayout} to literal offsets from Xen's {@code xen/sched.h} (x86_64). */
class SchedPollLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(24, SchedPollLayout.SIZE);
        assertEquals("sched_poll", SchedPollLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, SchedPollLayout.PORTS_OFFSET, "ports");
        assertEquals(8, SchedPollLayout.NR_PORTS_OFFSET, "nr_ports");
        assertEquals(16, SchedPollLayout.TIMEOUT_OFFSET, "timeout");
    }
}
