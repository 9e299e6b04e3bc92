package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabCopyLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabCopyLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(40, GnttabCopyLayout.SIZE);
        assertEquals("gnttab_copy", GnttabCopyLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabCopyLayout.SOURCE_OFFSET, "source");
        assertEquals(0, GnttabCopyLayout.SOURCE_U_OFFSET, "source.u");
        assertEquals(0, GnttabCopyLayout.SOURCE_U_REF_OFFSET, "source.u.ref");
        assertEquals(0, GnttabCopyLayout.SOURCE_U_GMFN_OFFSET, "source.u.gmfn");
        assertEquals(8, GnttabCopyLayout.SOURCE_DOMID_OFFSET, "source.domid");
        assertEquals(10, GnttabCopyLayout.SOURCE_OFFSET_OFFSET, "source.offset");
        assertEquals(16, GnttabCopyLayout.DEST_OFFSET, "dest");
        assertEquals(16, GnttabCopyLayout.DEST_U_OFFSET, "dest.u");
        assertEquals(16, GnttabCopyLayout.DEST_U_REF_OFFSET, "dest.u.ref");
        assertEquals(16, GnttabCopyLayout.DEST_U_GMFN_OFFSET, "dest.u.gmfn");
        assertEquals(24, GnttabCopyLayout.DEST_DOMID_OFFSET, "dest.domid");
        assertEquals(26, GnttabCopyLayout.DEST_OFFSET_OFFSET, "dest.offset");
        assertEquals(32, GnttabCopyLayout.LEN_OFFSET, "len");
        assertEquals(34, GnttabCopyLayout.FLAGS_OFFSET, "flags");
        assertEquals(36, GnttabCopyLayout.STATUS_OFFSET, "status");
    }
}
