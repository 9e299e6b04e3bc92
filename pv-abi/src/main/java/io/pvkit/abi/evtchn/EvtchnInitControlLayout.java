package io.pvkit.abi.evtchn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct evtchn_init_control} (24 bytes) from Xen {@code xen/event_channel.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code EVTCHNOP_init_control} (11), FIFO ABI.
 *
 * <pre>
 *     0  control_gfn                  u64        [IN]
 *     8  offset                       u32        [IN]
 *    12  vcpu                         u32        [IN]
 *    16  link_bits                    u8         [OUT]
 *    17  _pad                         u8[7]
 * </pre>
 */
public final class EvtchnInitControlLayout {
    /** {@code struct evtchn_init_control}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("control_gfn"),
            JAVA_INT.withName("offset"),
            JAVA_INT.withName("vcpu"),
            JAVA_BYTE.withName("link_bits"),
            MemoryLayout.sequenceLayout(7, JAVA_BYTE).withName("_pad"))
            .withName("evtchn_init_control");

    /** Size of {@code struct evtchn_init_control} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code control_gfn}. */
    public static final long CONTROL_GFN_OFFSET = LAYOUT.byteOffset(groupElement("control_gfn"));
    /** Offset of {@code offset}. */
    public static final long OFFSET_OFFSET = LAYOUT.byteOffset(groupElement("offset"));
    /** Offset of {@code vcpu}. */
    public static final long VCPU_OFFSET = LAYOUT.byteOffset(groupElement("vcpu"));
    /** Offset of {@code link_bits}. */
    public static final long LINK_BITS_OFFSET = LAYOUT.byteOffset(groupElement("link_bits"));
    /** Offset of {@code _pad}. */
    public static final long PAD_OFFSET = LAYOUT.byteOffset(groupElement("_pad"));

    private EvtchnInitControlLayout() {
    }
}
