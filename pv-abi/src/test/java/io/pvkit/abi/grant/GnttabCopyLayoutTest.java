package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabCopyLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabCopyLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(40, GnttabCopyLayout.SIZE);
        assertEquals("gnttab_copy", GnttabCopyLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabCopyLayout.SOURCE_OFFSET, "source");
        assertEquals(16, GnttabCopyLayout.DEST_OFFSET, "dest");
        assertEquals(32, GnttabCopyLayout.LEN_OFFSET, "len");
        assertEquals(34, GnttabCopyLayout.FLAGS_OFFSET, "flags");
        assertEquals(36, GnttabCopyLayout.STATUS_OFFSET, "status");
    }
}
