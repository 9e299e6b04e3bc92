package io.pvkit.abi.evtchn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct evtchn_bind_virq} (12 bytes) from Xen {@code xen/event_channel.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code EVTCHNOP_bind_virq} (1).
 *
 * <pre>
 *     0  virq                         u32        [IN] VIRQ_*
 *     4  vcpu                         u32        [IN]
 *     8  port                         u32        [OUT]
 * </pre>
 */
public final class EvtchnBindVirqLayout {
    /** {@code struct evtchn_bind_virq}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("virq"),
            JAVA_INT.withName("vcpu"),
            JAVA_INT.withName("port"))
            .withName("evtchn_bind_virq");

    /** Size of {@code struct evtchn_bind_virq} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code virq}. */
    public static final long VIRQ_OFFSET = LAYOUT.byteOffset(groupElement("virq"));
    /** Offset of {@code vcpu}. */
    public static final long VCPU_OFFSET = LAYOUT.byteOffset(groupElement("vcpu"));
    /** Offset of {@code port}. */
    public static final long PORT_OFFSET = LAYOUT.byteOffset(groupElement("port"));

    private EvtchnBindVirqLayout() {
    }
}
