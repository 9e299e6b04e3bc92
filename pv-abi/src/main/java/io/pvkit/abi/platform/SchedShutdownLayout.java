package io.pvkit.abi.platform;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct sched_shutdown} (4 bytes) from Xen {@code xen/sched.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code SCHEDOP_shutdown} (2).
 *
 * <pre>
 *     0  reason                       u32        [IN] SHUTDOWN_*
 * </pre>
 */
public final class SchedShutdownLayout {
    /** {@code struct sched_shutdown}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("reason"))
            .withName("sched_shutdown");

    /** Size of {@code struct sched_shutdown} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code reason}. */
    public static final long REASON_OFFSET = LAYOUT.byteOffset(groupElement("reason"));

    private SchedShutdownLayout() {
    }
}
