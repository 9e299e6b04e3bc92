package io.pvkit.abi.console;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct xencons_interface} (3088 bytes) from Xen {@code xen/io/console.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>The PV console page: two byte-stream rings with free-running u32 indices.
 *
 * <pre>
 *     0  in                           u8[1024]   [back] input to the guest
 *  1024  out                          u8[2048]   [guest] guest output
 *  3072  in_cons                      u32        [guest]
 *  3076  in_prod                      u32        [back]
 *  3080  out_cons                     u32        [back]
 *  3084  out_prod                     u32        [guest]
 * </pre>
 */
public final class XenconsInterfaceLayout {
    /** {@code struct xencons_interface}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(1024, JAVA_BYTE).withName("in"),
            MemoryLayout.sequenceLayout(2048, JAVA_BYTE).withName("out"),
            JAVA_INT.withName("in_cons"),
            JAVA_INT.withName("in_prod"),
            JAVA_INT.withName("out_cons"),
            JAVA_INT.withName("out_prod"))
            .withName("xencons_interface");

    /** Size of {@code struct xencons_interface} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code in}. */
    public static final long IN_OFFSET = LAYOUT.byteOffset(groupElement("in"));
    /** Offset of {@code out}. */
    public static final long OUT_OFFSET = LAYOUT.byteOffset(groupElement("out"));
    /** Offset of {@code in_cons}. */
    public static final long IN_CONS_OFFSET = LAYOUT.byteOffset(groupElement("in_cons"));
    /** Offset of {@code in_prod}. */
    public static final long IN_PROD_OFFSET = LAYOUT.byteOffset(groupElement("in_prod"));
    /** Offset of {@code out_cons}. */
    public static final long OUT_CONS_OFFSET = LAYOUT.byteOffset(groupElement("out_cons"));
    /** Offset of {@code out_prod}. */
    public static final long OUT_PROD_OFFSET = LAYOUT.byteOffset(groupElement("out_prod"));
    /** Bytes in {@code in}. */
    public static final int IN_SIZE = 1024;
    /** Bytes in {@code out}. */
    public static final int OUT_SIZE = 2048;

    private XenconsInterfaceLayout() {
    }
}
