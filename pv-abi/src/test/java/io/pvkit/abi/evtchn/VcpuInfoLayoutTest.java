package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link VcpuInfoLayout} to {@code struct vcpu_info} of Xen's {@code xen.h} (x86_64). */
class VcpuInfoLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(64, VcpuInfoLayout.SIZE);
        assertEquals(0, VcpuInfoLayout.UPCALL_PENDING_OFFSET);
        assertEquals(1, VcpuInfoLayout.UPCALL_MASK_OFFSET);
        assertEquals(8, VcpuInfoLayout.PENDING_SEL_OFFSET);
        assertEquals(16, VcpuInfoLayout.ARCH_OFFSET);
        assertEquals(32, VcpuInfoLayout.TIME_OFFSET);
        assertEquals(32, VcpuInfoLayout.TIME.byteSize());
        assertEquals(8, VcpuInfoLayout.TIME.byteOffset(groupElement("tsc_timestamp")));
        assertEquals(16, VcpuInfoLayout.TIME.byteOffset(groupElement("system_time")));
        assertEquals(24, VcpuInfoLayout.TIME.byteOffset(groupElement("tsc_to_system_mul")));
        assertEquals(28, VcpuInfoLayout.TIME.byteOffset(groupElement("tsc_shift")));
        assertEquals(16, VcpuInfoLayout.ARCH.byteSize());
    }
}
