package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnSendLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnSendLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(4, EvtchnSendLayout.SIZE);
        assertEquals("evtchn_send", EvtchnSendLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnSendLayout.PORT_OFFSET, "port");
    }
}
