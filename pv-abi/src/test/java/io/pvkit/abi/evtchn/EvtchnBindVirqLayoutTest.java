package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnBindVirqLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnBindVirqLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(12, EvtchnBindVirqLayout.SIZE);
        assertEquals("evtchn_bind_virq", EvtchnBindVirqLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnBindVirqLayout.VIRQ_OFFSET, "virq");
        assertEquals(4, EvtchnBindVirqLayout.VCPU_OFFSET, "vcpu");
        assertEquals(8, EvtchnBindVirqLayout.PORT_OFFSET, "port");
    }
}
