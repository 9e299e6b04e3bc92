package io.pvkit.abi.xenstore;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct xsd_sockmsg} (16 bytes) from Xen {@code xen/io/xs_wire.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Header of every xenstore message; followed by exactly {@code len} payload bytes.
 *
 * <pre>
 *     0  type                         u32         XS_* message type
 *     4  req_id                       u32         echoed in the reply
 *     8  tx_id                        u32         transaction or 0
 *    12  len                          u32         payload length, at most 4096
 * </pre>
 */
public final class XsdSockmsgLayout {
    /** {@code struct xsd_sockmsg}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("type"),
            JAVA_INT.withName("req_id"),
            JAVA_INT.withName("tx_id"),
            JAVA_INT.withName("len"))
            .withName("xsd_sockmsg");

    /** Size of {@code struct xsd_sockmsg} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code type}. */
    public static final long TYPE_OFFSET = LAYOUT.byteOffset(groupElement("type"));
    /** Offset of {@code req_id}. */
    public static final long REQ_ID_OFFSET = LAYOUT.byteOffset(groupElement("req_id"));
    /** Offset of {@code tx_id}. */
    public static final long TX_ID_OFFSET = LAYOUT.byteOffset(groupElement("tx_id"));
    /** Offset of {@code len}. */
    public static final long LEN_OFFSET = LAYOUT.byteOffset(groupElement("len"));
    /** {@code XENSTORE_PAYLOAD_MAX}: the largest payload; a longer one kills the connection. */
    public static final int PAYLOAD_MAX = 4096;
    /** {@code XENSTORE_ABS_PATH_MAX}. */
    public static final int ABS_PATH_MAX = 3072;
    /** {@code XENSTORE_REL_PATH_MAX}. */
    public static final int REL_PATH_MAX = 2048;

    private XsdSockmsgLayout() {
    }
}
