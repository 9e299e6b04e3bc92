package io.pvkit.abi.blkif;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link BlkifResponseLayout} to literal offsets from Xen's {@code xen/io/blkif.h} (x86_64). */
class BlkifResponseLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(16, BlkifResponseLayout.SIZE);
        assertEquals("blkif_response", BlkifResponseLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, BlkifResponseLayout.ID_OFFSET, "id");
        assertEquals(8, BlkifResponseLayout.OPERATION_OFFSET, "operation");
        assertEquals(10, BlkifResponseLayout.STATUS_OFFSET, "status");
    }
}
