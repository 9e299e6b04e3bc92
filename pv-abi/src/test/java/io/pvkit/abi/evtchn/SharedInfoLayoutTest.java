package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Pins {@link SharedInfoLayout} to {@code struct shared_info} of Xen's {@code xen.h} (x86_64). */
class SharedInfoLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(3136, SharedInfoLayout.SIZE);
        assertEquals(0, SharedInfoLayout.VCPU_INFO_OFFSET);
        assertEquals(2048, SharedInfoLayout.EVTCHN_PENDING_OFFSET);
        assertEquals(2560, SharedInfoLayout.EVTCHN_MASK_OFFSET);
        assertEquals(3072, SharedInfoLayout.WC_VERSION_OFFSET);
        assertEquals(3088, SharedInfoLayout.ARCH_OFFSET);
        assertEquals(48, SharedInfoLayout.ARCH.byteSize());
        assertEquals(4096, SharedInfoLayout.NR_2L_CHANNELS);
    }

    @Test
    void shouldLocateLegacyVcpuInfoAndRejectOthers() {
        assertEquals(0, SharedInfoLayout.vcpuInfoOffset(0));
        assertEquals(64 * 31, SharedInfoLayout.vcpuInfoOffset(31));
        assertThrows(IllegalArgumentException.class, () -> SharedInfoLayout.vcpuInfoOffset(32));
        assertThrows(IllegalArgumentException.class, () -> SharedInfoLayout.vcpuInfoOffset(-1));
    }
}
