package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabQuerySizeLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabQuerySizeLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(16, GnttabQuerySizeLayout.SIZE);
        assertEquals("gnttab_query_size", GnttabQuerySizeLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabQuerySizeLayout.DOM_OFFSET, "dom");
        assertEquals(4, GnttabQuerySizeLayout.NR_FRAMES_OFFSET, "nr_frames");
        assertEquals(8, GnttabQuerySizeLayout.MAX_NR_FRAMES_OFFSET, "max_nr_frames");
        assertEquals(12, GnttabQuerySizeLayout.STATUS_OFFSET, "status");
    }
}
