package io.pvkit.abi.evtchn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct evtchn_send} (4 bytes) from Xen {@code xen/event_channel.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code EVTCHNOP_send} (4).
 *
 * <pre>
 *     0  port                         u32        [IN]
 * </pre>
 */
public final class EvtchnSendLayout {
    /** {@code struct evtchn_send}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("port"))
            .withName("evtchn_send");

    /** Size of {@code struct evtchn_send} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code port}. */
    public static final long PORT_OFFSET = LAYOUT.byteOffset(groupElement("port"));

    private EvtchnSendLayout() {
    }
}
