package io.pvkit.abi.platform;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct sched_poll} (24 bytes) from Xen {@code xen/sched.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code SCHEDOP_poll} (3).
 *
 * <pre>
 *     0  ports                        handle     [IN] guest pointer to evtchn_port_t[nr_ports]
 *     8  nr_ports                     u32        [IN]
 *    16  timeout                      u64        [IN]
 * </pre>
 */
public final class SchedPollLayout {
    /** {@code struct sched_poll}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("ports"),
            JAVA_INT.withName("nr_ports"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("timeout"))
            .withName("sched_poll");

    /** Size of {@code struct sched_poll} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code ports}. */
    public static final long PORTS_OFFSET = LAYOUT.byteOffset(groupElement("ports"));
    /** Offset of {@code nr_ports}. */
    public static final long NR_PORTS_OFFSET = LAYOUT.byteOffset(groupElement("nr_ports"));
    /** Offset of {@code timeout}. */
    public static final long TIMEOUT_OFFSET = LAYOUT.byteOffset(groupElement("timeout"));

    private SchedPollLayout() {
    }
}
