package io.pvkit.abi.platform;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct vcpu_register_vcpu_info} (16 bytes) from Xen {@code xen/vcpu.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code VCPUOP_register_vcpu_info} (10). The 64-byte {@code vcpu_info} must not cross a page boundary.
 *
 * <pre>
 *     0  mfn                          u64        [IN] frame holding vcpu_info
 *     8  offset                       u32        [IN] offset in that frame
 *    12  rsvd                         u32        [IN] unused
 * </pre>
 */
public final class VcpuRegisterVcpuInfoLayout {
    /** {@code struct vcpu_register_vcpu_info}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("mfn"),
            JAVA_INT.withName("offset"),
            JAVA_INT.withName("rsvd"))
            .withName("vcpu_register_vcpu_info");

    /** Size of {@code struct vcpu_register_vcpu_info} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code mfn}. */
    public static final long MFN_OFFSET = LAYOUT.byteOffset(groupElement("mfn"));
    /** Offset of {@code offset}. */
    public static final long OFFSET_OFFSET = LAYOUT.byteOffset(groupElement("offset"));
    /** Offset of {@code rsvd}. */
    public static final long RSVD_OFFSET = LAYOUT.byteOffset(groupElement("rsvd"));

    private VcpuRegisterVcpuInfoLayout() {
    }
}
