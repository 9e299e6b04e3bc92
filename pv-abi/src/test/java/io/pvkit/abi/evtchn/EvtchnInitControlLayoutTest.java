package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link EvtchnInitControlLayout} to literal offsets from Xen's {@code xen/event_channel.h} (x86_64). */
class EvtchnInitControlLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(24, EvtchnInitControlLayout.SIZE);
        assertEquals("evtchn_init_control", EvtchnInitControlLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, EvtchnInitControlLayout.CONTROL_GFN_OFFSET, "control_gfn");
        assertEquals(8, EvtchnInitControlLayout.OFFSET_OFFSET, "offset");
        assertEquals(12, EvtchnInitControlLayout.VCPU_OFFSET, "vcpu");
        assertEquals(16, EvtchnInitControlLayout.LINK_BITS_OFFSET, "link_bits");
        assertEquals(17, EvtchnInitControlLayout.PAD_OFFSET, "_pad");
    }
}
