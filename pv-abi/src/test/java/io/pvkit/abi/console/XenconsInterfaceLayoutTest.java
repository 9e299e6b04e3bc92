package io.pvkit.abi.console;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link XenconsInterfaceLayout} to literal offsets from Xen's {@code xen/io/console.h} (x86_64). */
class XenconsInterfaceLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(3088, XenconsInterfaceLayout.SIZE);
        assertEquals("xencons_interface", XenconsInterfaceLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, XenconsInterfaceLayout.IN_OFFSET, "in");
        assertEquals(1024, XenconsInterfaceLayout.OUT_OFFSET, "out");
        assertEquals(3072, XenconsInterfaceLayout.IN_CONS_OFFSET, "in_cons");
        assertEquals(3076, XenconsInterfaceLayout.IN_PROD_OFFSET, "in_prod");
        assertEquals(3080, XenconsInterfaceLayout.OUT_CONS_OFFSET, "out_cons");
        assertEquals(3084, XenconsInterfaceLayout.OUT_PROD_OFFSET, "out_prod");
    }
}
