package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnSetPriorityLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnSetPriorityLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(8, EvtchnSetPriorityLayout.SIZE);
        assertEquals("evtchn_set_priority", EvtchnSetPriorityLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnSetPriorityLayout.PORT_OFFSET, "port");
        assertEquals(4, EvtchnSetPriorityLayout.PRIORITY_OFFSET, "priority");
    }
}
