package io.pvkit.abi.platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link VcpuRegisterVcpuInfoLayout} to literal offsets from Xen's {@code xen/vcpu.h} (x86_64). */
class VcpuRegisterVcpuInfoLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(16, VcpuRegisterVcpuInfoLayout.SIZE);
        assertEquals("vcpu_register_vcpu_info", VcpuRegisterVcpuInfoLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, VcpuRegisterVcpuInfoLayout.MFN_OFFSET, "mfn");
        assertEquals(8, VcpuRegisterVcpuInfoLayout.OFFSET_OFFSET, "offset");
        assertEquals(12, VcpuRegisterVcpuInfoLayout.RSVD_OFFSET, "rsvd");
    }
}
