package io.pvkit.abi.xenstore;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link XsdSockmsgLayout} to literal offsets from Xen's {@code xen/io/xs_wire.h} (x86_64). */
class XsdSockmsgLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(16, XsdSockmsgLayout.SIZE);
        assertEquals("xsd_sockmsg", XsdSockmsgLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, XsdSockmsgLayout.TYPE_OFFSET, "type");
        assertEquals(4, XsdSockmsgLayout.REQ_ID_OFFSET, "req_id");
        assertEquals(8, XsdSockmsgLayout.TX_ID_OFFSET, "tx_id");
        assertEquals(12, XsdSockmsgLayout.LEN_OFFSET, "len");
    }
}
