package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabUnmapGrantRefLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabUnmapGrantRefLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(24, GnttabUnmapGrantRefLayout.SIZE);
        assertEquals("gnttab_unmap_grant_ref", GnttabUnmapGrantRefLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET, "host_addr");
        assertEquals(8, GnttabUnmapGrantRefLayout.DEV_BUS_ADDR_OFFSET, "dev_bus_addr");
        assertEquals(16, GnttabUnmapGrantRefLayout.HANDLE_OFFSET, "handle");
        assertEquals(20, GnttabUnmapGrantRefLayout.STATUS_OFFSET, "status");
    }
}
