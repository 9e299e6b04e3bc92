package io.pvkit.abi.ring;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link SharedRingLayout} to the {@code struct *_sring} header of Xen's {@code io/ring.h}. */
class SharedRingLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(64, SharedRingLayout.HEADER_SIZE);
        assertEquals(0, SharedRingLayout.REQ_PROD_OFFSET);
        assertEquals(4, SharedRingLayout.REQ_EVENT_OFFSET);
        assertEquals(8, SharedRingLayout.RSP_PROD_OFFSET);
        assertEquals(12, SharedRingLayout.RSP_EVENT_OFFSET);
        assertEquals(16, SharedRingLayout.PVT_OFFSET);
    }

    @Test
    void shouldGiveXensSlotCountsForBlkif() {
        // __RING_SIZE: blkif slots are 112 bytes; one page gives 32, four pages 128
        assertEquals(32, SharedRingLayout.ringSize(4096, 112));
        assertEquals(128, SharedRingLayout.ringSize(4 * 4096, 112));
    }
}
