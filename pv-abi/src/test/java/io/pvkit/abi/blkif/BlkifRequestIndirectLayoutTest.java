package io.pvkit.abi.blkif;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link BlkifRequestIndirectLayout} to literal offsets from Xen's {@code xen/io/blkif.h} (x86_64). */
class BlkifRequestIndirectLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(64, BlkifRequestIndirectLayout.SIZE);
        assertEquals("blkif_request_indirect", BlkifRequestIndirectLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, BlkifRequestIndirectLayout.OPERATION_OFFSET, "operation");
        assertEquals(1, BlkifRequestIndirectLayout.INDIRECT_OP_OFFSET, "indirect_op");
        assertEquals(2, BlkifRequestIndirectLayout.NR_SEGMENTS_OFFSET, "nr_segments");
        assertEquals(8, BlkifRequestIndirectLayout.ID_OFFSET, "id");
        assertEquals(16, BlkifRequestIndirectLayout.SECTOR_NUMBER_OFFSET, "sector_number");
        assertEquals(24, BlkifRequestIndirectLayout.HANDLE_OFFSET, "handle");
        assertEquals(28, BlkifRequestIndirectLayout.INDIRECT_GREFS_OFFSET, "indirect_grefs");
    }
}
