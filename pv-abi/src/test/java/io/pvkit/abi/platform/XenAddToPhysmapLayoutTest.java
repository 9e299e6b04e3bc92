package io.pvkit.abi.platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link XenAddToPhysmapLayout} to literal offsets from Xen's {@code xen/memory.h} (x86_64). */
class XenAddToPhysmapLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(24, XenAddToPhysmapLayout.SIZE);
        assertEquals("xen_add_to_physmap", XenAddToPhysmapLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, XenAddToPhysmapLayout.DOMID_OFFSET, "domid");
        assertEquals(2, XenAddToPhysmapLayout.SIZE_OFFSET, "size");
        assertEquals(4, XenAddToPhysmapLayout.SPACE_OFFSET, "space");
        assertEquals(8, XenAddToPhysmapLayout.IDX_OFFSET, "idx");
        assertEquals(16, XenAddToPhysmapLayout.GPFN_OFFSET, "gpfn");
    }
}
