package io.pvkit.abi.evtchn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct evtchn_alloc_unbound} (8 bytes) from Xen {@code xen/event_channel.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code EVTCHNOP_alloc_unbound} (6).
 *
 * <pre>
 *     0  dom                          u16        [IN] DOMID_SELF unless privileged
 *     2  remote_dom                   u16        [IN] domain allowed to bind
 *     4  port                         u32        [OUT] the new unbound port
 * </pre>
 */
public final class EvtchnAllocUnboundLayout {
    /** {@code struct evtchn_alloc_unbound}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("dom"),
            JAVA_SHORT.withName("remote_dom"),
            JAVA_INT.withName("port"))
            .withName("evtchn_alloc_unbound");

    /** Size of {@code struct evtchn_alloc_unbound} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code dom}. */
    public static final long DOM_OFFSET = LAYOUT.byteOffset(groupElement("dom"));
    /** Offset of {@code remote_dom}. */
    public static final long REMOTE_DOM_OFFSET = LAYOUT.byteOffset(groupElement("remote_dom"));
    /** Offset of {@code port}. */
    public static final long PORT_OFFSET = LAYOUT.byteOffset(groupElement("port"));

    private EvtchnAllocUnboundLayout() {
    }
}
