package io.pvkit.abi.platform;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct start_info} (1168 bytes) from Xen {@code xen/xen.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Handed to a PV guest at boot: where its xenstore and console rings and event channels are.
 *
 * <pre>
 *     0  magic                        u8[32]     [hypervisor] "xen-3.0-x86_64"
 *    32  nr_pages                     u64
 *    40  shared_info                  u64
 *    48  flags                        u32         SIF_*
 *    56  store_mfn                    u64
 *    64  store_evtchn                 u32
 *    72  console                      union
 *    72  console.domU                 struct
 *    72  console.domU.mfn             u64
 *    80  console.domU.evtchn          u32
 *    72  console.dom0                 struct
 *    72  console.dom0.info_off        u32
 *    76  console.dom0.info_size       u32
 *    88  pt_base                      u64
 *    96  nr_pt_frames                 u64
 *   104  mfn_list                     u64
 *   112  mod_start                    u64
 *   120  mod_len                      u64
 *   128  cmd_line                     i8[1024]
 *  1152  first_p2m_pfn                u64
 *  1160  nr_p2m_frames                u64
 * </pre>
 */
public final class StartInfoLayout {
    /** {@code struct start_info}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(32, JAVA_BYTE).withName("magic"),
            JAVA_LONG.withName("nr_pages"),
            JAVA_LONG.withName("shared_info"),
            JAVA_INT.withName("flags"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("store_mfn"),
            JAVA_INT.withName("store_evtchn"),
            MemoryLayout.paddingLayout(4),
            MemoryLayout.unionLayout(
                    MemoryLayout.structLayout(
                            JAVA_LONG.withName("mfn"),
                            JAVA_INT.withName("evtchn"),
                            MemoryLayout.paddingLayout(4)).withName("domU"),
                    MemoryLayout.structLayout(
                            JAVA_INT.withName("info_off"),
                            JAVA_INT.withName("info_size")).withName("dom0")).withName("console"),
            JAVA_LONG.withName("pt_base"),
            JAVA_LONG.withName("nr_pt_frames"),
            JAVA_LONG.withName("mfn_list"),
            JAVA_LONG.withName("mod_start"),
            JAVA_LONG.withName("mod_len"),
            MemoryLayout.sequenceLayout(1024, JAVA_BYTE).withName("cmd_line"),
            JAVA_LONG.withName("first_p2m_pfn"),
            JAVA_LONG.withName("nr_p2m_frames"))
            .withName("start_info");

    /** Size of {@code struct start_info} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code magic}. */
    public static final long MAGIC_OFFSET = LAYOUT.byteOffset(groupElement("magic"));
    /** Offset of {@code nr_pages}. */
    public static final long NR_PAGES_OFFSET = LAYOUT.byteOffset(groupElement("nr_pages"));
    /** Offset of {@code shared_info}. */
    public static final long SHARED_INFO_OFFSET = LAYOUT.byteOffset(groupElement("shared_info"));
    /** Offset of {@code flags}. */
    public static final long FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("flags"));
    /** Offset of {@code store_mfn}. */
    public static final long STORE_MFN_OFFSET = LAYOUT.byteOffset(groupElement("store_mfn"));
    /** Offset of {@code store_evtchn}. */
    public static final long STORE_EVTCHN_OFFSET = LAYOUT.byteOffset(groupElement("store_evtchn"));
    /** Offset of {@code console}. */
    public static final long CONSOLE_OFFSET = LAYOUT.byteOffset(groupElement("console"));
    /** Offset of {@code console.domU}. */
    public static final long CONSOLE_DOMU_OFFSET = LAYOUT.byteOffset(groupElement("console"), groupElement("domU"));
    /** Offset of {@code console.domU.mfn}. */
    public static final long CONSOLE_DOMU_MFN_OFFSET = LAYOUT.byteOffset(groupElement("console"), groupElement("domU"), groupElement("mfn"));
    /** Offset of {@code console.domU.evtchn}. */
    public static final long CONSOLE_DOMU_EVTCHN_OFFSET = LAYOUT.byteOffset(groupElement("console"), groupElement("domU"), groupElement("evtchn"));
    /** Offset of {@code console.dom0}. */
    public static final long CONSOLE_DOM0_OFFSET = LAYOUT.byteOffset(groupElement("console"), groupElement("dom0"));
    /** Offset of {@code console.dom0.info_off}. */
    public static final long CONSOLE_DOM0_INFO_OFF_OFFSET = LAYOUT.byteOffset(groupElement("console"), groupElement("dom0"), groupElement("info_off"));
    /** Offset of {@code console.dom0.info_size}. */
    public static final long CONSOLE_DOM0_INFO_SIZE_OFFSET = LAYOUT.byteOffset(groupElement("console"), groupElement("dom0"), groupElement("info_size"));
    /** Offset of {@code pt_base}. */
    public static final long PT_BASE_OFFSET = LAYOUT.byteOffset(groupElement("pt_base"));
    /** Offset of {@code nr_pt_frames}. */
    public static final long NR_PT_FRAMES_OFFSET = LAYOUT.byteOffset(groupElement("nr_pt_frames"));
    /** Offset of {@code mfn_list}. */
    public static final long MFN_LIST_OFFSET = LAYOUT.byteOffset(groupElement("mfn_list"));
    /** Offset of {@code mod_start}. */
    public static final long MOD_START_OFFSET = LAYOUT.byteOffset(groupElement("mod_start"));
    /** Offset of {@code mod_len}. */
    public static final long MOD_LEN_OFFSET = LAYOUT.byteOffset(groupElement("mod_len"));
    /** Offset of {@code cmd_line}. */
    public static final long CMD_LINE_OFFSET = LAYOUT.byteOffset(groupElement("cmd_line"));
    /** Offset of {@code first_p2m_pfn}. */
    public static final long FIRST_P2M_PFN_OFFSET = LAYOUT.byteOffset(groupElement("first_p2m_pfn"));
    /** Offset of {@code nr_p2m_frames}. */
    public static final long NR_P2M_FRAMES_OFFSET = LAYOUT.byteOffset(groupElement("nr_p2m_frames"));
    /** {@code MAX_GUEST_CMDLINE}. */
    public static final int MAX_GUEST_CMDLINE = 1024;
    /** {@code SIF_PRIVILEGED}: the guest is privileged. */
    public static final int SIF_PRIVILEGED = 1;
    /** {@code SIF_INITDOMAIN}: the guest is the initial control domain. */
    public static final int SIF_INITDOMAIN = 1 << 1;

    private StartInfoLayout() {
    }
}
