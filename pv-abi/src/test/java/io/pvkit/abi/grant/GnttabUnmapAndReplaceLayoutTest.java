package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabUnmapAndReplaceLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabUnmapAndReplaceLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(24, GnttabUnmapAndReplaceLayout.SIZE);
        assertEquals("gnttab_unmap_and_replace", GnttabUnmapAndReplaceLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabUnmapAndReplaceLayout.HOST_ADDR_OFFSET, "host_addr");
        assertEquals(8, GnttabUnmapAndReplaceLayout.NEW_ADDR_OFFSET, "new_addr");
        assertEquals(16, GnttabUnmapAndReplaceLayout.HANDLE_OFFSET, "handle");
        assertEquals(20, GnttabUnmapAndReplaceLayout.STATUS_OFFSET, "status");
    }
}
