package io.pvkit.abi.blkif;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link BlkifRequestDiscardLayout} to literal offsets from Xen's {@code xen/io/blkif.h} (x86_64). */
class BlkifRequestDiscardLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(32, BlkifRequestDiscardLayout.SIZE);
        assertEquals("blkif_request_discard", BlkifRequestDiscardLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, BlkifRequestDiscardLayout.OPERATION_OFFSET, "operation");
        assertEquals(1, BlkifRequestDiscardLayout.FLAG_OFFSET, "flag");
        assertEquals(2, BlkifRequestDiscardLayout.HANDLE_OFFSET, "handle");
        assertEquals(8, BlkifRequestDiscardLayout.ID_OFFSET, "id");
        assertEquals(16, BlkifRequestDiscardLayout.SECTOR_NUMBER_OFFSET, "sector_number");
        assertEquals(24, BlkifRequestDiscardLayout.NR_SECTORS_OFFSET, "nr_sectors");
    }
}
