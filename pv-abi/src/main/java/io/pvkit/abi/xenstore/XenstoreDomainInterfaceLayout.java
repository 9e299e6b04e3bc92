package io.pvkit.abi.xenstore;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct xenstore_domain_interface} (2076 bytes) from Xen {@code xen/io/xs_wire.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>The xenstore ring page shared by a guest and xenstored: two 1024-byte byte-stream rings with free-running u32 indices.
 *
 * <pre>
 *     0  req                          u8[1024]   [guest] guest to xenstored
 *  1024  rsp                          u8[1024]   [xenstored] replies and watch events
 *  2048  req_cons                     u32        [xenstored]
 *  2052  req_prod                     u32        [guest]
 *  2056  rsp_cons                     u32        [guest]
 *  2060  rsp_prod                     u32        [xenstored]
 *  2064  server_features              u32        [xenstored]
 *  2068  connection                   u32        [guest/xenstored]
 *  2072  error                        u32        [xenstored]
 * </pre>
 */
public final class XenstoreDomainInterfaceLayout {
    /** {@code struct xenstore_domain_interface}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(1024, JAVA_BYTE).withName("req"),
            MemoryLayout.sequenceLayout(1024, JAVA_BYTE).withName("rsp"),
            JAVA_INT.withName("req_cons"),
            JAVA_INT.withName("req_prod"),
            JAVA_INT.withName("rsp_cons"),
            JAVA_INT.withName("rsp_prod"),
            JAVA_INT.withName("server_features"),
            JAVA_INT.withName("connection"),
            JAVA_INT.withName("error"))
            .withName("xenstore_domain_interface");

    /** Size of {@code struct xenstore_domain_interface} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code req}. */
    public static final long REQ_OFFSET = LAYOUT.byteOffset(groupElement("req"));
    /** Offset of {@code rsp}. */
    public static final long RSP_OFFSET = LAYOUT.byteOffset(groupElement("rsp"));
    /** Offset of {@code req_cons}. */
    public static final long REQ_CONS_OFFSET = LAYOUT.byteOffset(groupElement("req_cons"));
    /** Offset of {@code req_prod}. */
    public static final long REQ_PROD_OFFSET = LAYOUT.byteOffset(groupElement("req_prod"));
    /** Offset of {@code rsp_cons}. */
    public static final long RSP_CONS_OFFSET = LAYOUT.byteOffset(groupElement("rsp_cons"));
    /** Offset of {@code rsp_prod}. */
    public static final long RSP_PROD_OFFSET = LAYOUT.byteOffset(groupElement("rsp_prod"));
    /** Offset of {@code server_features}. */
    public static final long SERVER_FEATURES_OFFSET = LAYOUT.byteOffset(groupElement("server_features"));
    /** Offset of {@code connection}. */
    public static final long CONNECTION_OFFSET = LAYOUT.byteOffset(groupElement("connection"));
    /** Offset of {@code error}. */
    public static final long ERROR_OFFSET = LAYOUT.byteOffset(groupElement("error"));
    /** {@code XENSTORE_RING_SIZE}: bytes in each of {@code req} and {@code rsp}. */
    public static final int RING_SIZE = 1024;
    /** {@code XENSTORE_SERVER_FEATURE_RECONNECTION}. */
    public static final int SERVER_FEATURE_RECONNECTION = 1;
    /** {@code XENSTORE_SERVER_FEATURE_ERROR}. */
    public static final int SERVER_FEATURE_ERROR = 2;
    /** {@code XENSTORE_CONNECTED}: value of {@code connection}. */
    public static final int CONNECTED = 0;
    /** {@code XENSTORE_RECONNECT}: value of {@code connection} while the guest asks for a reset. */
    public static final int RECONNECT = 1;
    /** {@code XENSTORE_ERROR_NONE}. */
    public static final int ERROR_NONE = 0;
    /** {@code XENSTORE_ERROR_COMM}: communication problem. */
    public static final int ERROR_COMM = 1;
    /** {@code XENSTORE_ERROR_RINGIDX}: invalid ring index. */
    public static final int ERROR_RINGIDX = 2;
    /** {@code XENSTORE_ERROR_PROTO}: protocol violation (payload too long). */
    public static final int ERROR_PROTO = 3;

    /**
     * {@code MASK_XENSTORE_IDX}: the byte position of a free-running index in a ring.
     *
     * @param index a free-running index
     * @return {@code index & (RING_SIZE - 1)}
     */
    public static int maskIndex(int index) {
        return index & (RING_SIZE - 1);
    }

    private XenstoreDomainInterfaceLayout() {
    }
}
