package io.pvkit.abi.platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link SchedRemoteShutdownLayout} to literal offsets from Xen's {@code xen/sched.h} (x86_64). */
class SchedRemoteShutdownLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(8, SchedRemoteShutdownLayout.SIZE);
        assertEquals("sched_remote_shutdown", SchedRemoteShutdownLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, SchedRemoteShutdownLayout.DOMAIN_ID_OFFSET, "domain_id");
        assertEquals(4, SchedRemoteShutdownLayout.REASON_OFFSET, "reason");
    }
}
