package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnResetLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnResetLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(2, EvtchnResetLayout.SIZE);
        assertEquals("evtchn_reset", EvtchnResetLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnResetLayout.DOM_OFFSET, "dom");
    }
}
