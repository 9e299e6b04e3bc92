package io.pvkit.abi.evtchn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct evtchn_close} (4 bytes) from Xen {@code xen/event_channel.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code EVTCHNOP_close} (3).
 *
 * <pre>
 *     0  port                         u32        [IN]
 * </pre>
 */
public final class EvtchnCloseLayout {
    /** {@code struct evtchn_close}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("port"))
            .withName("evtchn_close");

    /** Size of {@code struct evtchn_close} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code port}. */
    public static final long PORT_OFFSET = LAYOUT.byteOffset(groupElement("port"));

    private EvtchnCloseLayout() {
    }
}
