package io.pvkit.abi.evtchn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct evtchn_set_priority} (8 bytes) from Xen {@code xen/event_channel.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code EVTCHNOP_set_priority} (13), FIFO ABI.
 *
 * <pre>
 *     0  port                         u32        [IN]
 *     4  priority                     u32        [IN]
 * </pre>
 */
public final class EvtchnSetPriorityLayout {
    /** {@code struct evtchn_set_priority}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("port"),
            JAVA_INT.withName("priority"))
            .withName("evtchn_set_priority");

    /** Size of {@code struct evtchn_set_priority} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code port}. */
    public static final long PORT_OFFSET = LAYOUT.byteOffset(groupElement("port"));
    /** Offset of {@code priority}. */
    public static final long PRIORITY_OFFSET = LAYOUT.byteOffset(groupElement("priority"));

    private EvtchnSetPriorityLayout() {
    }
}
