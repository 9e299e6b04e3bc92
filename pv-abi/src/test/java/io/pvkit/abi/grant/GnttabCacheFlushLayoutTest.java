package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabCacheFlushLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabCacheFlushLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(16, GnttabCacheFlushLayout.SIZE);
        assertEquals("gnttab_cache_flush", GnttabCacheFlushLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabCacheFlushLayout.A_OFFSET, "a");
        assertEquals(0, GnttabCacheFlushLayout.A_DEV_BUS_ADDR_OFFSET, "a.dev_bus_addr");
        assertEquals(0, GnttabCacheFlushLayout.A_REF_OFFSET, "a.ref");
        assertEquals(8, GnttabCacheFlushLayout.OFFSET_OFFSET, "offset");
        assertEquals(10, GnttabCacheFlushLayout.LENGTH_OFFSET, "length");
        assertEquals(12, GnttabCacheFlushLayout.OP_OFFSET, "op");
    }
}
