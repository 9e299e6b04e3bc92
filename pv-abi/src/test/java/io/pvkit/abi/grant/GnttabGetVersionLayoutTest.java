package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabGetVersionLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabGetVersionLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(8, GnttabGetVersionLayout.SIZE);
        assertEquals("gnttab_get_version", GnttabGetVersionLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabGetVersionLayout.DOM_OFFSET, "dom");
        assertEquals(2, GnttabGetVersionLayout.PAD_OFFSET, "pad");
        assertEquals(4, GnttabGetVersionLayout.VERSION_OFFSET, "version");
    }
}
