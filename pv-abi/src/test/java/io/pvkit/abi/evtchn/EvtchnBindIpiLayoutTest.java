package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnBindIpiLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnBindIpiLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(8, EvtchnBindIpiLayout.SIZE);
        assertEquals("evtchn_bind_ipi", EvtchnBindIpiLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnBindIpiLayout.VCPU_OFFSET, "vcpu");
        assertEquals(4, EvtchnBindIpiLayout.PORT_OFFSET, "port");
    }
}
