package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabTransferLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabTransferLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(24, GnttabTransferLayout.SIZE);
        assertEquals("gnttab_transfer", GnttabTransferLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabTransferLayout.MFN_OFFSET, "mfn");
        assertEquals(8, GnttabTransferLayout.DOMID_OFFSET, "domid");
        assertEquals(12, GnttabTransferLayout.REF_OFFSET, "ref");
        assertEquals(16, GnttabTransferLayout.STATUS_OFFSET, "status");
    }
}
