package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnBindVcpuLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnBindVcpuLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(8, EvtchnBindVcpuLayout.SIZE);
        assertEquals("evtchn_bind_vcpu", EvtchnBindVcpuLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnBindVcpuLayout.PORT_OFFSET, "port");
        assertEquals(4, EvtchnBindVcpuLayout.VCPU_OFFSET, "vcpu");
    }
}
