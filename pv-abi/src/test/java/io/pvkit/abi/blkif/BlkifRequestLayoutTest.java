package io.pvkit.abi.blkif;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link BlkifRequestLayout} to literal offsets from Xen's {@code xen/io/blkif.h} (x86_64). */
class BlkifRequestLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(112, BlkifRequestLayout.SIZE);
        assertEquals("blkif_request", BlkifRequestLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, BlkifRequestLayout.OPERATION_OFFSET, "operation");
        assertEquals(1, BlkifRequestLayout.NR_SEGMENTS_OFFSET, "nr_segments");
        assertEquals(2, BlkifRequestLayout.HANDLE_OFFSET, "handle");
        assertEquals(8, BlkifRequestLayout.ID_OFFSET, "id");
        assertEquals(16, BlkifRequestLayout.SECTOR_NUMBER_OFFSET, "sector_number");
        assertEquals(24, BlkifRequestLayout.SEG_OFFSET, "seg");
    }
}
