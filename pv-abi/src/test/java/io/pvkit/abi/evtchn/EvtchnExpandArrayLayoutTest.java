package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnExpandArrayLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnExpandArrayLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(8, EvtchnExpandArrayLayout.SIZE);
        assertEquals("evtchn_expand_array", EvtchnExpandArrayLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnExpandArrayLayout.ARRAY_GFN_OFFSET, "array_gfn");
    }
}
