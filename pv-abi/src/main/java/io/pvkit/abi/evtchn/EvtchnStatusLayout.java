package io.pvkit.abi.evtchn;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct evtchn_status} (24 bytes) from Xen {@code xen/event_channel.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code EVTCHNOP_status} (5).
 *
 * <pre>
 *     0  dom                          u16        [IN]
 *     4  port                         u32        [IN]
 *     8  status                       u32        [OUT] EVTCHNSTAT_*
 *    12  vcpu                         u32        [OUT] notified vCPU
 *    16  u                            union      [OUT] selected by status
 *    16  u.unbound                    struct     [OUT]
 *    16  u.unbound.dom                u16
 *    16  u.interdomain                struct     [OUT]
 *    16  u.interdomain.dom            u16
 *    20  u.interdomain.port           u32
 *    16  u.pirq                       u32        [OUT]
 *    16  u.virq                       u32        [OUT]
 * </pre>
 */
public final class EvtchnStatusLayout {
    /** {@code struct evtchn_status}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("dom"),
            MemoryLayout.paddingLayout(2),
            JAVA_INT.withName("port"),
            JAVA_INT.withName("status"),
            JAVA_INT.withName("vcpu"),
            MemoryLayout.unionLayout(
                    MemoryLayout.structLayout(
                            JAVA_SHORT.withName("dom")).withName("unbound"),
                    MemoryLayout.structLayout(
                            JAVA_SHORT.withName("dom"),
                            MemoryLayout.paddingLayout(2),
                            JAVA_INT.withName("port")).withName("interdomain"),
                    JAVA_INT.withName("pirq"),
                    JAVA_INT.withName("virq")).withName("u"))
            .withName("evtchn_status");

    /** Size of {@code struct evtchn_status} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code dom}. */
    public static final long DOM_OFFSET = LAYOUT.byteOffset(groupElement("dom"));
    /** Offset of {@code port}. */
    public static final long PORT_OFFSET = LAYOUT.byteOffset(groupElement("port"));
    /** Offset of {@code status}. */
    public static final long STATUS_OFFSET = LAYOUT.byteOffset(groupElement("status"));
    /** Offset of {@code vcpu}. */
    public static final long VCPU_OFFSET = LAYOUT.byteOffset(groupElement("vcpu"));
    /** Offset of {@code u}. */
    public static final long U_OFFSET = LAYOUT.byteOffset(groupElement("u"));
    /** Offset of {@code u.unbound}. */
    public static final long U_UNBOUND_OFFSET = LAYOUT.byteOffset(groupElement("u"), groupElement("unbound"));
    /** Offset of {@code u.unbound.dom}. */
    public static final long U_UNBOUND_DOM_OFFSET = LAYOUT.byteOffset(groupElement("u"), groupElement("unbound"), groupElement("dom"));
    /** Offset of {@code u.interdomain}. */
    public static final long U_INTERDOMAIN_OFFSET = LAYOUT.byteOffset(groupElement("u"), groupElement("interdomain"));
    /** Offset of {@code u.interdomain.dom}. */
    public static final long U_INTERDOMAIN_DOM_OFFSET = LAYOUT.byteOffset(groupElement("u"), groupElement("interdomain"), groupElement("dom"));
    /** Offset of {@code u.interdomain.port}. */
    public static final long U_INTERDOMAIN_PORT_OFFSET = LAYOUT.byteOffset(groupElement("u"), groupElement("interdomain"), groupElement("port"));
    /** Offset of {@code u.pirq}. */
    public static final long U_PIRQ_OFFSET = LAYOUT.byteOffset(groupElement("u"), groupElement("pirq"));
    /** Offset of {@code u.virq}. */
    public static final long U_VIRQ_OFFSET = LAYOUT.byteOffset(groupElement("u"), groupElement("virq"));

    private EvtchnStatusLayout() {
    }
}
