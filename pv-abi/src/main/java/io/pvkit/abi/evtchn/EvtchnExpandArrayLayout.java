package io.pvkit.abi.evtchn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct evtchn_expand_array} (8 bytes) from Xen {@code xen/event_channel.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code EVTCHNOP_expand_array} (12), FIFO ABI.
 *
 * <pre>
 *     0  array_gfn                    u64        [IN]
 * </pre>
 */
public final class EvtchnExpandArrayLayout {
    /** {@code struct evtchn_expand_array}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("array_gfn"))
            .withName("evtchn_expand_array");

    /** Size of {@code struct evtchn_expand_array} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code array_gfn}. */
    public static final long ARRAY_GFN_OFFSET = LAYOUT.byteOffset(groupElement("array_gfn"));

    private EvtchnExpandArrayLayout() {
    }
}
