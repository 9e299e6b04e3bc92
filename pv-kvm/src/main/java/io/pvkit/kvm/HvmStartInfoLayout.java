package io.pvkit.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct hvm_start_info} (56 bytes) from Xen {@code arch-x86/hvm/start_info.h}, x86, little-endian:
 * what a PVH kernel finds at the guest-physical address in {@code ebx} when it is entered at its
 * {@code XEN_ELFNOTE_PHYS32_ENTRY}. Written by the VMM [hypervisor], read by the guest.
 *
 * <pre>
 *     0  magic           u32  XEN_HVM_START_MAGIC_VALUE (0x336ec578)
 *     4  version         u32  1: memmap_paddr/memmap_entries are valid
 *     8  flags           u32  SIF_xxx
 *    12  nr_modules      u32
 *    16  modlist_paddr   u64  struct hvm_modlist_entry[nr_modules]
 *    24  cmdline_paddr   u64  NUL-terminated command line, 0 if none
 *    32  rsdp_paddr      u64  ACPI RSDP, 0 if none
 *    40  memmap_paddr    u64  struct hvm_memmap_table_entry[memmap_entries]
 *    48  memmap_entries  u32
 *    52  reserved        u32  must be zero
 * </pre>
 *
 * <p>It belongs with pv-abi's Xen layouts; it lives here until pv-abi adopts it.
 */
public final class HvmStartInfoLayout {
    /** {@code XEN_HVM_START_MAGIC_VALUE}. */
    public static final int XEN_HVM_START_MAGIC_VALUE = 0x336ec578;

    /** {@code struct hvm_start_info}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("magic"), JAVA_INT.withName("version"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("nr_modules"), JAVA_LONG.withName("modlist_paddr"),
            JAVA_LONG.withName("cmdline_paddr"), JAVA_LONG.withName("rsdp_paddr"),
            JAVA_LONG.withName("memmap_paddr"), JAVA_INT.withName("memmap_entries"),
            JAVA_INT.withName("reserved"))
            .withName("hvm_start_info");

    /** Size in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code magic}. */
    public static final long MAGIC_OFFSET = off("magic");
    /** Offset of {@code version}. */
    public static final long VERSION_OFFSET = off("version");
    /** Offset of {@code flags}. */
    public static final long FLAGS_OFFSET = off("flags");
    /** Offset of {@code nr_modules}. */
    public static final long NR_MODULES_OFFSET = off("nr_modules");
    /** Offset of {@code modlist_paddr}. */
    public static final long MODLIST_PADDR_OFFSET = off("modlist_paddr");
    /** Offset of {@code cmdline_paddr}. */
    public static final long CMDLINE_PADDR_OFFSET = off("cmdline_paddr");
    /** Offset of {@code rsdp_paddr}. */
    public static final long RSDP_PADDR_OFFSET = off("rsdp_paddr");
    /** Offset of {@code memmap_paddr}. */
    public static final long MEMMAP_PADDR_OFFSET = off("memmap_paddr");
    /** Offset of {@code memmap_entries}. */
    public static final long MEMMAP_ENTRIES_OFFSET = off("memmap_entries");

    private static long off(String name) {
        return LAYOUT.byteOffset(groupElement(name));
    }

    private HvmStartInfoLayout() {
    }
}
