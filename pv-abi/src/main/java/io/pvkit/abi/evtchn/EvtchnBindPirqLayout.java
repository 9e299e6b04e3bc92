package io.pvkit.abi.evtchn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct evtchn_bind_pirq} (12 bytes) from Xen {@code xen/event_channel.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code EVTCHNOP_bind_pirq} (2).
 *
 * <pre>
 *     0  pirq                         u32        [IN]
 *     4  flags                        u32        [IN] BIND_PIRQ__WILL_SHARE = 1
 *     8  port                         u32        [OUT]
 * </pre>
 */
public final class EvtchnBindPirqLayout {
    /** {@code struct evtchn_bind_pirq}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("pirq"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("port"))
            .withName("evtchn_bind_pirq");

    /** Size of {@code struct evtchn_bind_pirq} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code pirq}. */
    public static final long PIRQ_OFFSET = LAYOUT.byteOffset(groupElement("pirq"));
    /** Offset of {@code flags}. */
    public static final long FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("flags"));
    /** Offset of {@code port}. */
    public static final long PORT_OFFSET = LAYOUT.byteOffset(groupElement("port"));
    /** {@code BIND_PIRQ__WILL_SHARE}: the physical IRQ may be shared with other domains. */
    public static final int BIND_PIRQ_WILL_SHARE = 1;

    private EvtchnBindPirqLayout() {
    }
}
