package io.pvkit.abi.evtchn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct evtchn_bind_interdomain} (12 bytes) from Xen {@code xen/event_channel.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code EVTCHNOP_bind_interdomain} (0).
 *
 * <pre>
 *     0  remote_dom                   u16        [IN]
 *     4  remote_port                  u32        [IN]
 *     8  local_port                   u32        [OUT]
 * </pre>
 */
public final class EvtchnBindInterdomainLayout {
    /** {@code struct evtchn_bind_interdomain}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("remote_dom"),
            MemoryLayout.paddingLayout(2),
            JAVA_INT.withName("remote_port"),
            JAVA_INT.withName("local_port"))
            .withName("evtchn_bind_interdomain");

    /** Size of {@code struct evtchn_bind_interdomain} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code remote_dom}. */
    public static final long REMOTE_DOM_OFFSET = LAYOUT.byteOffset(groupElement("remote_dom"));
    /** Offset of {@code remote_port}. */
    public static final long REMOTE_PORT_OFFSET = LAYOUT.byteOffset(groupElement("remote_port"));
    /** Offset of {@code local_port}. */
    public static final long LOCAL_PORT_OFFSET = LAYOUT.byteOffset(groupElement("local_port"));

    private EvtchnBindInterdomainLayout() {
    }
}
