package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnBindInterdomainLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnBindInterdomainLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(12, EvtchnBindInterdomainLayout.SIZE);
        assertEquals("evtchn_bind_interdomain", EvtchnBindInterdomainLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnBindInterdomainLayout.REMOTE_DOM_OFFSET, "remote_dom");
        assertEquals(4, EvtchnBindInterdomainLayout.REMOTE_PORT_OFFSET, "remote_port");
        assertEquals(8, EvtchnBindInterdomainLayout.LOCAL_PORT_OFFSET, "local_port");
    }
}
