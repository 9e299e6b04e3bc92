package io.pvkit.abi.evtchn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct vcpu_info} (64 bytes) from Xen {@code xen.h} / {@code arch-x86/xen.h}, interface
 * version 0x00040e00, x86_64, little-endian.
 *
 * <pre>
 *  0  evtchn_upcall_pending  u8   [hypervisor sets, guest clears]
 *  1  evtchn_upcall_mask     u8   [guest]  (6 bytes padding)
 *  8  evtchn_pending_sel     u64  [hypervisor sets bits, guest swaps to 0]
 * 16  arch.cr2 u64, arch.pad u64
 * 32  time: vcpu_time_info (32 bytes) [hypervisor]
 * </pre>
 *
 * <p>The 8-bit fields have no atomic var handle; update them through the containing 32-bit word at
 * offset 0 (see {@link io.pvkit.abi.memory.GuestMemory#getAndBitwiseOrByte}).
 */
public final class VcpuInfoLayout {
    /** {@code struct vcpu_time_info} (32 bytes). */
    public static final StructLayout TIME = MemoryLayout.structLayout(
            JAVA_INT.withName("version"),
            JAVA_INT.withName("pad0"),
            JAVA_LONG.withName("tsc_timestamp"),
            JAVA_LONG.withName("system_time"),
            JAVA_INT.withName("tsc_to_system_mul"),
            JAVA_BYTE.withName("tsc_shift"),
            JAVA_BYTE.withName("flags"),
            MemoryLayout.sequenceLayout(2, JAVA_BYTE).withName("pad1"))
            .withName("vcpu_time_info");

    /** {@code struct arch_vcpu_info} on x86 (16 bytes). */
    public static final StructLayout ARCH = MemoryLayout.structLayout(
            JAVA_LONG.withName("cr2"),
            JAVA_LONG.withName("pad"))
            .withName("arch_vcpu_info");

    /** {@code struct vcpu_info}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("evtchn_upcall_pending"),
            JAVA_BYTE.withName("evtchn_upcall_mask"),
            MemoryLayout.paddingLayout(6),
            JAVA_LONG.withName("evtchn_pending_sel"),
            ARCH.withName("arch"),
            TIME.withName("time"))
            .withName("vcpu_info");

    /** Size of one {@code vcpu_info}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code evtchn_upcall_pending}. */
    public static final long UPCALL_PENDING_OFFSET = LAYOUT.byteOffset(groupElement("evtchn_upcall_pending"));
    /** Offset of {@code evtchn_upcall_mask}. */
    public static final long UPCALL_MASK_OFFSET = LAYOUT.byteOffset(groupElement("evtchn_upcall_mask"));
    /** Offset of {@code evtchn_pending_sel}. */
    public static final long PENDING_SEL_OFFSET = LAYOUT.byteOffset(groupElement("evtchn_pending_sel"));
    /** Offset of {@code arch}. */
    public static final long ARCH_OFFSET = LAYOUT.byteOffset(groupElement("arch"));
    /** Offset of {@code time}. */
    public static final long TIME_OFFSET = LAYOUT.byteOffset(groupElement("time"));

    private VcpuInfoLayout() {
    }
}
