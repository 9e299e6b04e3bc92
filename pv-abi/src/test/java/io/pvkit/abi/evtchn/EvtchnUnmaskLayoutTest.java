package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnUnmaskLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnUnmaskLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(4, EvtchnUnmaskLayout.SIZE);
        assertEquals("evtchn_unmask", EvtchnUnmaskLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnUnmaskLayout.PORT_OFFSET, "port");
    }
}
