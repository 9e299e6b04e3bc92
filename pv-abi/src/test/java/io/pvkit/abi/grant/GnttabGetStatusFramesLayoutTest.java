package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabGetStatusFramesLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabGetStatusFramesLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(16, GnttabGetStatusFramesLayout.SIZE);
        assertEquals("gnttab_get_status_frames", GnttabGetStatusFramesLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabGetStatusFramesLayout.NR_FRAMES_OFFSET, "nr_frames");
        assertEquals(4, GnttabGetStatusFramesLayout.DOM_OFFSET, "dom");
        assertEquals(6, GnttabGetStatusFramesLayout.STATUS_OFFSET, "status");
        assertEquals(8, GnttabGetStatusFramesLayout.FRAME_LIST_OFFSET, "frame_list");
    }
}
