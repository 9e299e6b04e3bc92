package io.pvkit.abi.platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link StartInfoLayout} to literal offsets from Xen's {@code xen/xen.h} (x86_64). */
class StartInfoLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(1168, StartInfoLayout.SIZE);
        assertEquals("start_info", StartInfoLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, StartInfoLayout.MAGIC_OFFSET, "magic");
        assertEquals(32, StartInfoLayout.NR_PAGES_OFFSET, "nr_pages");
        assertEquals(40, StartInfoLayout.SHARED_INFO_OFFSET, "shared_info");
        assertEquals(48, StartInfoLayout.FLAGS_OFFSET, "flags");
        assertEquals(56, StartInfoLayout.STORE_MFN_OFFSET, "store_mfn");
        assertEquals(64, StartInfoLayout.STORE_EVTCHN_OFFSET, "store_evtchn");
        assertEquals(72, StartInfoLayout.CONSOLE_OFFSET, "console");
        assertEquals(72, StartInfoLayout.CONSOLE_DOMU_OFFSET, "console.domU");
        assertEquals(72, StartInfoLayout.CONSOLE_DOMU_MFN_OFFSET, "console.domU.mfn");
        assertEquals(80, StartInfoLayout.CONSOLE_DOMU_EVTCHN_OFFSET, "console.domU.evtchn");
        assertEquals(72, StartInfoLayout.CONSOLE_DOM0_OFFSET, "console.dom0");
        assertEquals(72, StartInfoLayout.CONSOLE_DOM0_INFO_OFF_OFFSET, "console.dom0.info_off");
        assertEquals(76, StartInfoLayout.CONSOLE_DOM0_INFO_SIZE_OFFSET, "console.dom0.info_size");
        assertEquals(88, StartInfoLayout.PT_BASE_OFFSET, "pt_base");
        assertEquals(96, StartInfoLayout.NR_PT_FRAMES_OFFSET, "nr_pt_frames");
        assertEquals(104, StartInfoLayout.MFN_LIST_OFFSET, "mfn_list");
        assertEquals(112, StartInfoLayout.MOD_START_OFFSET, "mod_start");
        assertEquals(120, StartInfoLayout.MOD_LEN_OFFSET, "mod_len");
        assertEquals(128, StartInfoLayout.CMD_LINE_OFFSET, "cmd_line");
        assertEquals(1152, StartInfoLayout.FIRST_P2M_PFN_OFFSET, "first_p2m_pfn");
        assertEquals(1160, StartInfoLayout.NR_P2M_FRAMES_OFFSET, "nr_p2m_frames");
    }
}
