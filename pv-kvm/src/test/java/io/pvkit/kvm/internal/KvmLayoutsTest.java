package io.pvkit.kvm.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins every KVM layout to literal numbers read from linux/kvm.h and asm/kvm.h (x86_64). */
class KvmLayoutsTest {
    @Test
    void shouldMatchKvmRunOffsets() {
        assertEquals(304, KvmRunLayout.SIZE);
        assertEquals(1, KvmRunLayout.IMMEDIATE_EXIT_OFFSET);
        assertEquals(8, KvmRunLayout.EXIT_REASON_OFFSET);
        assertEquals(32, KvmRunLayout.FAIL_ENTRY_REASON_OFFSET);
        assertEquals(40, KvmRunLayout.FAIL_ENTRY_CPU_OFFSET);
        assertEquals(32, KvmRunLayout.IO_DIRECTION_OFFSET);
        assertEquals(33, KvmRunLayout.IO_SIZE_OFFSET);
        assertEquals(34, KvmRunLayout.IO_PORT_OFFSET);
        assertEquals(36, KvmRunLayout.IO_COUNT_OFFSET);
        assertEquals(40, KvmRunLayout.IO_DATA_OFFSET_OFFSET);
        assertEquals(32, KvmRunLayout.MMIO_PHYS_ADDR_OFFSET);
        assertEquals(40, KvmRunLayout.MMIO_DATA_OFFSET);
        assertEquals(48, KvmRunLayout.MMIO_LEN_OFFSET);
        assertEquals(52, KvmRunLayout.MMIO_IS_WRITE_OFFSET);
        assertEquals(32, KvmRunLayout.INTERNAL_SUBERROR_OFFSET);
        assertEquals(36, KvmRunLayout.INTERNAL_NDATA_OFFSET);
        assertEquals(40, KvmRunLayout.INTERNAL_DATA_OFFSET);
        assertEquals(32, KvmRunLayout.MSR_ERROR_OFFSET);
        assertEquals(40, KvmRunLayout.MSR_REASON_OFFSET);
        assertEquals(44, KvmRunLayout.MSR_INDEX_OFFSET);
        assertEquals(48, KvmRunLayout.MSR_DATA_OFFSET);
        assertEquals(32, KvmRunLayout.SYSTEM_EVENT_TYPE_OFFSET);
    }

    @Test
    void shouldMatchRegisterOffsets() {
        assertEquals(144, KvmRegsLayout.SIZE);
        assertEquals(0, KvmRegsLayout.RAX_OFFSET);
        assertEquals(8, KvmRegsLayout.RBX_OFFSET);
        assertEquals(24, KvmRegsLayout.RDX_OFFSET);
        assertEquals(32, KvmRegsLayout.RSI_OFFSET);
        assertEquals(40, KvmRegsLayout.RDI_OFFSET);
        assertEquals(64, KvmRegsLayout.R8_OFFSET);
        assertEquals(80, KvmRegsLayout.R10_OFFSET);
        assertEquals(128, KvmRegsLayout.RIP_OFFSET);
        assertEquals(136, KvmRegsLayout.RFLAGS_OFFSET);
        assertEquals(24, KvmSegmentLayout.SIZE);
        assertEquals(8, KvmSegmentLayout.LIMIT_OFFSET);
        assertEquals(12, KvmSegmentLayout.SELECTOR_OFFSET);
        assertEquals(14, KvmSegmentLayout.TYPE_OFFSET);
        assertEquals(15, KvmSegmentLayout.PRESENT_OFFSET);
        assertEquals(16, KvmSegmentLayout.DPL_OFFSET);
        assertEquals(17, KvmSegmentLayout.DB_OFFSET);
        assertEquals(18, KvmSegmentLayout.S_OFFSET);
        assertEquals(19, KvmSegmentLayout.L_OFFSET);
        assertEquals(20, KvmSegmentLayout.G_OFFSET);
        assertEquals(22, KvmSegmentLayout.UNUSABLE_OFFSET);
        assertEquals(16, KvmDtableLayout.SIZE);
        assertEquals(8, KvmDtableLayout.LIMIT_OFFSET);
        assertEquals(312, KvmSregsLayout.SIZE);
        assertEquals(0, KvmSregsLayout.CS_OFFSET);
        assertEquals(120, KvmSregsLayout.SS_OFFSET);
        assertEquals(144, KvmSregsLayout.TR_OFFSET);
        assertEquals(192, KvmSregsLayout.GDT_OFFSET);
        assertEquals(224, KvmSregsLayout.CR0_OFFSET);
        assertEquals(240, KvmSregsLayout.CR3_OFFSET);
        assertEquals(248, KvmSregsLayout.CR4_OFFSET);
        assertEquals(264, KvmSregsLayout.EFER_OFFSET);
    }

    @Test
    void shouldMatchArgumentStructOffsets() {
        assertEquals(32, KvmUserspaceMemoryRegionLayout.SIZE);
        assertEquals(8, KvmUserspaceMemoryRegionLayout.GUEST_PHYS_ADDR_OFFSET);
        assertEquals(16, KvmUserspaceMemoryRegionLayout.MEMORY_SIZE_OFFSET);
        assertEquals(24, KvmUserspaceMemoryRegionLayout.USERSPACE_ADDR_OFFSET);
        assertEquals(40, KvmCpuidEntry2Layout.SIZE);
        assertEquals(4, KvmCpuidEntry2Layout.LAYOUT.byteAlignment());
        assertEquals(12, KvmCpuidEntry2Layout.EAX_OFFSET);
        assertEquals(24, KvmCpuidEntry2Layout.EDX_OFFSET);
        assertEquals(8, KvmCpuid2Layout.SIZE);
        assertEquals(24, KvmMsrFilterRangeLayout.SIZE);
        assertEquals(8, KvmMsrFilterRangeLayout.BASE_OFFSET);
        assertEquals(16, KvmMsrFilterRangeLayout.BITMAP_OFFSET);
        assertEquals(392, KvmMsrFilterLayout.SIZE);
        assertEquals(8, KvmMsrFilterLayout.RANGES_OFFSET);
        assertEquals(104, KvmEnableCapLayout.SIZE);
        assertEquals(8, KvmEnableCapLayout.ARGS_OFFSET);
        assertEquals(152, SigactionLayout.LAYOUT.byteSize());
        assertEquals(136, SigactionLayout.SA_FLAGS_OFFSET);
    }
}
