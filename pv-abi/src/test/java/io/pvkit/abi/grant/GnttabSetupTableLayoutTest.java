package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabSetupTableLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabSetupTableLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(24, GnttabSetupTableLayout.SIZE);
        assertEquals("gnttab_setup_table", GnttabSetupTableLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabSetupTableLayout.DOM_OFFSET, "dom");
        assertEquals(4, GnttabSetupTableLayout.NR_FRAMES_OFFSET, "nr_frames");
        assertEquals(8, GnttabSetupTableLayout.STATUS_OFFSET, "status");
        assertEquals(16, GnttabSetupTableLayout.FRAME_LIST_OFFSET, "frame_list");
    }
}
