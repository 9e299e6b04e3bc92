package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabMapGrantRefLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabMapGrantRefLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(32, GnttabMapGrantRefLayout.SIZE);
        assertEquals("gnttab_map_grant_ref", GnttabMapGrantRefLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabMapGrantRefLayout.HOST_ADDR_OFFSET, "host_addr");
        assertEquals(8, GnttabMapGrantRefLayout.FLAGS_OFFSET, "flags");
        assertEquals(12, GnttabMapGrantRefLayout.REF_OFFSET, "ref");
        assertEquals(16, GnttabMapGrantRefLayout.DOM_OFFSET, "dom");
        assertEquals(18, GnttabMapGrantRefLayout.STATUS_OFFSET, "status");
        assertEquals(20, GnttabMapGrantRefLayout.HANDLE_OFFSET, "handle");
        assertEquals(24, GnttabMapGrantRefLayout.DEV_BUS_ADDR_OFFSET, "dev_bus_addr");
    }
}
