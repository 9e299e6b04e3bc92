package io.pvkit.kvm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins the PVH start-info layouts to literal numbers from Xen's arch-x86/hvm/start_info.h. */
class HvmStartInfoLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(56, HvmStartInfoLayout.SIZE);
        assertEquals(0, HvmStartInfoLayout.MAGIC_OFFSET);
        assertEquals(4, HvmStartInfoLayout.VERSION_OFFSET);
        assertEquals(8, HvmStartInfoLayout.FLAGS_OFFSET);
        assertEquals(12, HvmStartInfoLayout.NR_MODULES_OFFSET);
        assertEquals(16, HvmStartInfoLayout.MODLIST_PADDR_OFFSET);
        assertEquals(24, HvmStartInfoLayout.CMDLINE_PADDR_OFFSET);
        assertEquals(32, HvmStartInfoLayout.RSDP_PADDR_OFFSET);
        assertEquals(40, HvmStartInfoLayout.MEMMAP_PADDR_OFFSET);
        assertEquals(48, HvmStartInfoLayout.MEMMAP_ENTRIES_OFFSET);
        assertEquals(0x336ec578, HvmStartInfoLayout.XEN_HVM_START_MAGIC_VALUE);
        assertEquals(24, HvmMemmapTableEntryLayout.SIZE);
        assertEquals(8, HvmMemmapTableEntryLayout.SIZE_OFFSET);
        assertEquals(16, HvmMemmapTableEntryLayout.TYPE_OFFSET);
    }
}
