package io.pvkit.abi.blkif;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link BlkifRequestSegmentLayout} to literal offsets from Xen's {@code xen/io/blkif.h} (x86_64). */
class BlkifRequestSegmentLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(8, BlkifRequestSegmentLayout.SIZE);
        assertEquals("blkif_request_segment", BlkifRequestSegmentLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, BlkifRequestSegmentLayout.GREF_OFFSET, "gref");
        assertEquals(4, BlkifRequestSegmentLayout.FIRST_SECT_OFFSET, "first_sect");
        assertEquals(5, BlkifRequestSegmentLayout.LAST_SECT_OFFSET, "last_sect");
    }
}
