package io.pvkit.abi.xenstore;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link XenstoreDomainInterfaceLayout} to literal offsets from Xen's {@code xen/io/xs_wire.h} (x86_64). */
class XenstoreDomainInterfaceLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(2076, XenstoreDomainInterfaceLayout.SIZE);
        assertEquals("xenstore_domain_interface", XenstoreDomainInterfaceLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, XenstoreDomainInterfaceLayout.REQ_OFFSET, "req");
        assertEquals(1024, XenstoreDomainInterfaceLayout.RSP_OFFSET, "rsp");
        assertEquals(2048, XenstoreDomainInterfaceLayout.REQ_CONS_OFFSET, "req_cons");
        assertEquals(2052, XenstoreDomainInterfaceLayout.REQ_PROD_OFFSET, "req_prod");
        assertEquals(2056, XenstoreDomainInterfaceLayout.RSP_CONS_OFFSET, "rsp_cons");
        assertEquals(2060, XenstoreDomainInterfaceLayout.RSP_PROD_OFFSET, "rsp_prod");
        assertEquals(2064, XenstoreDomainInterfaceLayout.SERVER_FEATURES_OFFSET, "server_features");
        assertEquals(2068, XenstoreDomainInterfaceLayout.CONNECTION_OFFSET, "connection");
        assertEquals(2072, XenstoreDomainInterfaceLayout.ERROR_OFFSET, "error");
    }
}
