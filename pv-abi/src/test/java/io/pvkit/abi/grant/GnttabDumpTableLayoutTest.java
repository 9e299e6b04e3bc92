package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabDumpTableLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabDumpTableLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(4, GnttabDumpTableLayout.SIZE);
        assertEquals("gnttab_dump_table", GnttabDumpTableLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabDumpTableLayout.DOM_OFFSET, "dom");
        assertEquals(2, GnttabDumpTableLayout.STATUS_OFFSET, "status");
    }
}
