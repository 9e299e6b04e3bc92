package io.pvkit.abi.platform;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct xen_hvm_param} (16 bytes) from Xen {@code xen/hvm/hvm_op.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code HVMOP_set_param} (0) and {@code HVMOP_get_param} (1).
 *
 * <pre>
 *     0  domid                        u16        [IN]
 *     2  pad                          u16
 *     4  index                        u32        [IN] HVM_PARAM_*
 *     8  value                        u64        [IN/OUT]
 * </pre>
 */
public final class XenHvmParamLayout {
    /** {@code struct xen_hvm_param}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("domid"),
            JAVA_SHORT.withName("pad"),
            JAVA_INT.withName("index"),
            JAVA_LONG.withName("value"))
            .withName("xen_hvm_param");

    /** Size of {@code struct xen_hvm_param} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code domid}. */
    public static final long DOMID_OFFSET = LAYOUT.byteOffset(groupElement("domid"));
    /** Offset of {@code pad}. */
    public static final long PAD_OFFSET = LAYOUT.byteOffset(groupElement("pad"));
    /** Offset of {@code index}. */
    public static final long INDEX_OFFSET = LAYOUT.byteOffset(groupElement("index"));
    /** Offset of {@code value}. */
    public static final long VALUE_OFFSET = LAYOUT.byteOffset(groupElement("value"));

    private XenHvmParamLayout() {
    }
}
