package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabSetVersionLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabSetVersionLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(4, GnttabSetVersionLayout.SIZE);
        assertEquals("gnttab_set_version", GnttabSetVersionLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabSetVersionLayout.VERSION_OFFSET, "version");
    }
}
