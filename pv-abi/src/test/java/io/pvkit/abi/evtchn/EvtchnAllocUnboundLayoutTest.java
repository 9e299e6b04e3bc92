package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnAllocUnboundLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnAllocUnboundLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(8, EvtchnAllocUnboundLayout.SIZE);
        assertEquals("evtchn_alloc_unbound", EvtchnAllocUnboundLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnAllocUnboundLayout.DOM_OFFSET, "dom");
        assertEquals(2, EvtchnAllocUnboundLayout.REMOTE_DOM_OFFSET, "remote_dom");
        assertEquals(4, EvtchnAllocUnboundLayout.PORT_OFFSET, "port");
    }
}
