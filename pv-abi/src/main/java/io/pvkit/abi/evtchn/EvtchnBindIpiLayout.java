package io.pvkit.abi.evtchn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct evtchn_bind_ipi} (8 bytes) from Xen {@code xen/event_channel.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code EVTCHNOP_bind_ipi} (7).
 *
 * <pre>
 *     0  vcpu                         u32        [IN]
 *     4  port                         u32        [OUT]
 * </pre>
 */
public final class EvtchnBindIpiLayout {
    /** {@code struct evtchn_bind_ipi}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("vcpu"),
            JAVA_INT.withName("port"))
            .withName("evtchn_bind_ipi");

    /** Size of {@code struct evtchn_bind_ipi} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code vcpu}. */
    public static final long VCPU_OFFSET = LAYOUT.byteOffset(groupElement("vcpu"));
    /** Offset of {@code port}. */
    public static final long PORT_OFFSET = LAYOUT.byteOffset(groupElement("port"));

    private EvtchnBindIpiLayout() {
    }
}
