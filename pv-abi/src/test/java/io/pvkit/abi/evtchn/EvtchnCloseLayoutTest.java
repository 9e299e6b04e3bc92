package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnCloseLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnCloseLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(4, EvtchnCloseLayout.SIZE);
        assertEquals("evtchn_close", EvtchnCloseLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnCloseLayout.PORT_OFFSET, "port");
    }
}
