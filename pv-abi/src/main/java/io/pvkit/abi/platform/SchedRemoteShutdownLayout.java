package io.pvkit.abi.platform;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct sched_remote_shutdown} (8 bytes) from Xen {@code xen/sched.h}, interface version 0x00040e00,
 * x86_64, little-endian.
 *
 * <p>Argument of {@code SCHEDOP_remote_shutdown} (4).
 *
 * <pre>
 *     0  domain_id                    u16        [IN]
 *     4  reason                       u32        [IN] SHUTDOWN_*
 * </pre>
 */
public final class SchedRemoteShutdownLayout {
    /** {@code struct sched_remote_shutdown}; the single source of truth for the offsets below. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("domain_id"),
            MemoryLayout.paddingLayout(2),
            JAVA_INT.withName("reason"))
            .withName("sched_remote_shutdown");

    /** Size of {@code struct sched_remote_shutdown} in bytes. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code domain_id}. */
    public static final long DOMAIN_ID_OFFSET = LAYOUT.byteOffset(groupElement("domain_id"));
    /** Offset of {@code reason}. */
    public static final long REASON_OFFSET = LAYOUT.byteOffset(groupElement("reason"));

    private SchedRemoteShutdownLayout() {
    }
}
