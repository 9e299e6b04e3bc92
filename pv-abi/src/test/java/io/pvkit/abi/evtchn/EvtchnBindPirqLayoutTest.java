package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnBindPirqLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnBindPirqLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(12, EvtchnBindPirqLayout.SIZE);
        assertEquals("evtchn_bind_pirq", EvtchnBindPirqLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnBindPirqLayout.PIRQ_OFFSET, "pirq");
        assertEquals(4, EvtchnBindPirqLayout.FLAGS_OFFSET, "flags");
        assertEquals(8, EvtchnBindPirqLayout.PORT_OFFSET, "port");
    }
}
