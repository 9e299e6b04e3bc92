package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GrantEntryV2Layout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GrantEntryV2LayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(16, GrantEntryV2Layout.SIZE);
        assertEquals("grant_entry_v2", GrantEntryV2Layout.LAYOUT.name().orElseThrow());
        assertEquals(0, GrantEntryV2Layout.HDR_OFFSET, "hdr");
        assertEquals(0, GrantEntryV2Layout.HDR_FLAGS_OFFSET, "hdr.flags");
        assertEquals(2, GrantEntryV2Layout.HDR_DOMID_OFFSET, "hdr.domid");
        assertEquals(0, GrantEntryV2Layout.FULL_PAGE_OFFSET, "full_page");
        assertEquals(0, GrantEntryV2Layout.FULL_PAGE_HDR_OFFSET, "full_page.hdr");
        assertEquals(0, GrantEntryV2Layout.FULL_PAGE_HDR_FLAGS_OFFSET, "full_page.hdr.flags");
        assertEquals(2, GrantEntryV2Layout.FULL_PAGE_HDR_DOMID_OFFSET, "full_page.hdr.domid");
        assertEquals(4, GrantEntryV2Layout.FULL_PAGE_PAD0_OFFSET, "full_page.pad0");
        assertEquals(8, GrantEntryV2Layout.FULL_PAGE_FRAME_OFFSET, "full_page.frame");
        assertEquals(0, GrantEntryV2Layout.SUB_PAGE_OFFSET, "sub_page");
        assertEquals(0, GrantEntryV2Layout.SUB_PAGE_HDR_OFFSET, "sub_page.hdr");
        assertEquals(0, GrantEntryV2Layout.SUB_PAGE_HDR_FLAGS_OFFSET, "sub_page.hdr.flags");
        assertEquals(2, GrantEntryV2Layout.SUB_PAGE_HDR_DOMID_OFFSET, "sub_page.hdr.domid");
        assertEquals(4, GrantEntryV2Layout.SUB_PAGE_PAGE_OFF_OFFSET, "sub_page.page_off");
        assertEquals(6, GrantEntryV2Layout.SUB_PAGE_LENGTH_OFFSET, "sub_page.length");
        assertEquals(8, GrantEntryV2Layout.SUB_PAGE_FRAME_OFFSET, "sub_page.frame");
        assertEquals(0, GrantEntryV2Layout.TRANSITIVE_OFFSET, "transitive");
        assertEquals(0, GrantEntryV2Layout.TRANSITIVE_HDR_OFFSET, "transitive.hdr");
        assertEquals(0, GrantEntryV2Layout.TRANSITIVE_HDR_FLAGS_OFFSET, "transitive.hdr.flags");
        assertEquals(2, GrantEntryV2Layout.TRANSITIVE_HDR_DOMID_OFFSET, "transitive.hdr.domid");
        assertEquals(4, GrantEntryV2Layout.TRANSITIVE_TRANS_DOMID_OFFSET, "transitive.trans_domid");
        assertEquals(6, GrantEntryV2Layout.TRANSITIVE_PAD0_OFFSET, "transitive.pad0");
        assertEquals(8, GrantEntryV2Layout.TRANSITIVE_GREF_OFFSET, "transitive.gref");
        assertEquals(0, GrantEntryV2Layout.SPACER_OFFSET, "__spacer");
    }
}
