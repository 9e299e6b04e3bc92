package io.pvkit.abi.grant;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct gnttab_cache_flush} (16 bytes) from Xen {@code xen/grant_table.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Element of {@code GNTTABOP_cache_flush} (12).
 *
 * <pre>
 *     0  a                            union      [IN]
 *     0  a.dev_bus_addr               u64
 *     0  a.ref                        u32
 *     8  offset                       u16        [IN]
 *    10  length                       u16        [IN]
 *    12  op                           u32        [IN] GNTTAB_CACHE_*
 * </pre>
 */
public final class GnttabCacheFlushLayout {
    /** {@code struct gnttab_cache_flush}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.unionLayout(
                    JAVA_LONG.withName("dev_bus_addr"),
                    JAVA_INT.withName("ref")).withName("a"),
            JAVA_SHORT.withName("offset"),
            JAVA_SHORT.withName("length"),
            JAVA_INT.withName("op"))
            .withName("gnttab_cache_flush");

    /** Size of {@code struct gnttab_cache_flush} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code a}. */
    public static final long A_OFFSET = LAYOUT.byteOffset(groupElement("a"));
    /** Offset of {@code a.dev_bus_addr}. */
    public static final long A_DEV_BUS_ADDR_OFFSET = LAYOUT.byteOffset(groupElement("a"), groupElement("dev_bus_addr"));
    /** Offset of {@code a.ref}. */
    public static final long A_REF_OFFSET = LAYOUT.byteOffset(groupElement("a"), groupElement("ref"));
    /** Offset of {@code offset}. */
    public static final long OFFSET_OFFSET = LAYOUT.byteOffset(groupElement("offset"));
    /** Offset of {@code length}. */
    public static final long LENGTH_OFFSET = LAYOUT.byteOffset(groupElement("length"));
    /** Offset of {@code op}. */
    public static final long OP_OFFSET = LAYOUT.byteOffset(groupElement("op"));
    /** {@code GNTTAB_CACHE_CLEAN}. */
    public static final int CACHE_CLEAN = 1;
    /** {@code GNTTAB_CACHE_INVAL}. */
    public static final int CACHE_INVAL = 1 << 1;
    /** {@code GNTTAB_CACHE_SOURCE_GREF}: {@code a} holds a grant reference. */
    public static final int CACHE_SOURCE_GREF = 1 << 31;

    private GnttabCacheFlushLayout() {
    }
}
