package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnStatusLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnStatusLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(24, EvtchnStatusLayout.SIZE);
        assertEquals("evtchn_status", EvtchnStatusLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnStatusLayout.DOM_OFFSET, "dom");
        assertEquals(4, EvtchnStatusLayout.PORT_OFFSET, "port");
        assertEquals(8, EvtchnStatusLayout.STATUS_OFFSET, "status");
        assertEquals(12, EvtchnStatusLayout.VCPU_OFFSET, "vcpu");
        assertEquals(16, EvtchnStatusLayout.U_OFFSET, "u");
        assertEquals(16, EvtchnStatusLayout.U_UNBOUND_OFFSET, "u.unbound");
        assertEquals(16, EvtchnStatusLayout.U_UNBOUND_DOM_OFFSET, "u.unbound.dom");
        assertEquals(16, EvtchnStatusLayout.U_INTERDOMAIN_OFFSET, "u.interdomain");
        assertEquals(16, EvtchnStatusLayout.U_INTERDOMAIN_DOM_OFFSET, "u.interdomain.dom");
        assertEquals(20, EvtchnStatusLayout.U_INTERDOMAIN_PORT_OFFSET, "u.interdomain.port");
        assertEquals(16, EvtchnStatusLayout.U_PIRQ_OFFSET, "u.pirq");
        assertEquals(16, EvtchnStatusLayout.U_VIRQ_OFFSET, "u.virq");
    }
}
