package io.pvkit.abi.hypercall;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct multicall_entry} (64 bytes) from Xen {@code xen/xen.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Element of {@code __HYPERVISOR_multicall} (13): one batched hypercall.
 *
 * <pre>
 *     0  op                           u64        [IN] hypercall number
 *     8  result                       u64        [OUT] its return value
 *    16  args                         u64[6]     [IN]
 * </pre>
 */
public final class MulticallEntryLayout {
    /** {@code struct multicall_entry}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("op"),
            JAVA_LONG.withName("result"),
            MemoryLayout.sequenceLayout(6, JAVA_LONG).withName("args"))
            .withName("multicall_entry");

    /** Size of {@code struct multicall_entry} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code op}. */
    public static final long OP_OFFSET = LAYOUT.byteOffset(groupElement("op"));
    /** Offset of {@code result}. */
    public static final long RESULT_OFFSET = LAYOUT.byteOffset(groupElement("result"));
    /** Offset of {@code args}. */
    public static final long ARGS_OFFSET = LAYOUT.byteOffset(groupElement("args"));

    private MulticallEntryLayout() {
    }
}
