package io.pvkit.abi.evtchn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct shared_info} (3136 bytes) from Xen {@code xen.h}, interface version 0x00040e00,
 * x86_64, little-endian. One page per domain, shared between the hypervisor and the guest.
 *
 * <pre>
 *    0  vcpu_info[32]          64 bytes each  (XEN_LEGACY_MAX_VCPUS)
 * 2048  evtchn_pending[64]     u64 each  [hypervisor sets, guest clears]   port p: word p/64, bit p%64
 * 2560  evtchn_mask[64]        u64 each  [guest]
 * 3072  wc_version u32, wc_sec u32, wc_nsec u32, wc_sec_hi u32  [hypervisor]
 * 3088  arch_shared_info (48 bytes) [hypervisor/guest]
 * </pre>
 */
public final class SharedInfoLayout {
    /** {@code XEN_LEGACY_MAX_VCPUS}: vCPUs whose {@code vcpu_info} lives in {@code shared_info}. */
    public static final int LEGACY_MAX_VCPUS = 32;
    /** Number of 64-bit words in each of the 2-level pending and mask bitmaps. */
    public static final int EVTCHN_WORDS = 64;
    /** {@code EVTCHN_2L_NR_CHANNELS} for 64-bit guests: 4096 ports. */
    public static final int NR_2L_CHANNELS = EVTCHN_WORDS * 64;

    /** {@code struct arch_shared_info} on x86_64 (48 bytes). */
    public static final StructLayout ARCH = MemoryLayout.structLayout(
            JAVA_LONG.withName("max_pfn"),
            JAVA_LONG.withName("pfn_to_mfn_frame_list_list"),
            JAVA_LONG.withName("nmi_reason"),
            JAVA_LONG.withName("p2m_cr3"),
            JAVA_LONG.withName("p2m_vaddr"),
            JAVA_LONG.withName("p2m_generation"))
            .withName("arch_shared_info");

    /** {@code struct shared_info}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(LEGACY_MAX_VCPUS, VcpuInfoLayout.LAYOUT).withName("vcpu_info"),
            MemoryLayout.sequenceLayout(EVTCHN_WORDS, JAVA_LONG).withName("evtchn_pending"),
            MemoryLayout.sequenceLayout(EVTCHN_WORDS, JAVA_LONG).withName("evtchn_mask"),
            JAVA_INT.withName("wc_version"),
            JAVA_INT.withName("wc_sec"),
            JAVA_INT.withName("wc_nsec"),
            JAVA_INT.withName("wc_sec_hi"),
            ARCH.withName("arch"))
            .withName("shared_info");

    /** Size of {@code shared_info}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code vcpu_info[0]}. */
    public static final long VCPU_INFO_OFFSET = LAYOUT.byteOffset(groupElement("vcpu_info"));
    /** Offset of {@code evtchn_pending[0]}. */
    public static final long EVTCHN_PENDING_OFFSET = LAYOUT.byteOffset(groupElement("evtchn_pending"));
    /** Offset of {@code evtchn_mask[0]}. */
    public static final long EVTCHN_MASK_OFFSET = LAYOUT.byteOffset(groupElement("evtchn_mask"));
    /** Offset of {@code wc_version}. */
    public static final long WC_VERSION_OFFSET = LAYOUT.byteOffset(groupElement("wc_version"));
    /** Offset of {@code arch}. */
    public static final long ARCH_OFFSET = LAYOUT.byteOffset(groupElement("arch"));

    private SharedInfoLayout() {
    }

    /**
     * Offset within {@code shared_info} of the {@code vcpu_info} of a legacy vCPU.
     *
     * @param vcpu a vCPU index below {@link #LEGACY_MAX_VCPUS}
     * @return the byte offset
     */
    public static long vcpuInfoOffset(int vcpu) {
        if (vcpu < 0 || vcpu >= LEGACY_MAX_VCPUS) {
            throw new IllegalArgumentException("vcpu " + vcpu + " has no vcpu_info in shared_info");
        }
        return VCPU_INFO_OFFSET + vcpu * VcpuInfoLayout.SIZE;
    }
}
