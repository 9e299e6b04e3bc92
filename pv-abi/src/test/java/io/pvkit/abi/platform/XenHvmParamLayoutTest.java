package io.pvkit.abi.platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link XenHvmParamLayout} to literal offsets from Xen's {@code xen/hvm/hvm_op.h} (x86_64). */
class XenHvmParamLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(16, XenHvmParamLayout.SIZE);
        assertEquals("xen_hvm_param", XenHvmParamLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, XenHvmParamLayout.DOMID_OFFSET, "domid");
        assertEquals(2, XenHvmParamLayout.PAD_OFFSET, "pad");
        assertEquals(4, XenHvmParamLayout.INDEX_OFFSET, "index");
        assertEquals(8, XenHvmParamLayout.VALUE_OFFSET, "value");
    }
}
