package io.pvkit.abi.ring;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Pins the header against literal numbers from Xen 4.17 {@code io/ring.h} (gcc offsetof on x86_64). */
class SharedRingLayoutTest {

    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(64, SharedRingLayout.HEADER_SIZE);
        assertEquals(64, SharedRingLayout.LAYOUT.byteSize());
        assertEquals(0, SharedRingLayout.REQ_PROD_OFFSET);
        assertEquals(4, SharedRingLayout.REQ_EVENT_OFFSET);
        assertEquals(8, SharedRingLayout.RSP_PROD_OFFSET);
        assertEquals(12, SharedRingLayout.RSP_EVENT_OFFSET);
        assertEquals(16, SharedRingLayout.PVT_OFFSET);
    }

    @Test
    void shouldRoundSlotCountDownToPowerOfTwoLikeRingSize() {
        assertEquals(32, SharedRingLayout.ringSize(4096, 112));
        assertEquals(64, SharedRingLayout.ringSize(8192, 112));
        assertEquals(128, SharedRingLayout.ringSize(16384, 112));
        assertEquals(256, SharedRingLayout.ringSize(32768, 112));
        assertEquals(512, SharedRingLayout.ringSize(65536, 112));
        assertEquals(32, SharedRingLayout.ringSize(4096, 64));
        assertEquals(0, SharedRingLayout.ringSize(100, 112));
        assertThrows(IllegalArgumentException.class, () -> SharedRingLayout.ringSize(4096, 0));
    }
}
