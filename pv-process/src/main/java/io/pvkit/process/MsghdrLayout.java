package io.pvkit.process;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct msghdr} of {@code <sys/socket.h>} (x86_64 Linux glibc): the argument of {@code sendmsg(2)}
 * and {@code recvmsg(2)}.
 *
 * <pre>
 *  0 +---------------------------+
 *    | void *msg_name            |  [IN] 0 for a connected socket
 *  8 +-------------+-------------+
 *    | msg_namelen | (pad 4)     |  [IN/OUT] socklen_t
 * 16 +-------------+-------------+
 *    | struct iovec *msg_iov     |  [IN]
 * 24 +---------------------------+
 *    | size_t msg_iovlen         |  [IN]
 * 32 +---------------------------+
 *    | void *msg_control         |  [IN] ancillary data (cmsghdr + payload)
 * 40 +---------------------------+
 *    | size_t msg_controllen     |  [IN/OUT]
 * 48 +-------------+-------------+
 *    | msg_flags   | (pad 4)     |  [OUT] MSG_CTRUNC, ...
 * 56 +-------------+-------------+
 * </pre>
 * Native byte order; checked against the C header by {@code ProcessAbiCrossCheckTest}.
 */
public final class MsghdrLayout {
    /** The layout of {@code struct msghdr}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4)).withName("msghdr");
    /** {@code sizeof(struct msghdr)}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code msg_name}. */
    public static final long MSG_NAME_OFFSET = LAYOUT.byteOffset(groupElement("msg_name"));
    /** Offset of {@code msg_namelen}. */
    public static final long MSG_NAMELEN_OFFSET = LAYOUT.byteOffset(groupElement("msg_namelen"));
    /** Offset of {@code msg_iov}. */
    public static final long MSG_IOV_OFFSET = LAYOUT.byteOffset(groupElement("msg_iov"));
    /** Offset of {@code msg_iovlen}. */
    public static final long MSG_IOVLEN_OFFSET = LAYOUT.byteOffset(groupElement("msg_iovlen"));
    /** Offset of {@code msg_control}. */
    public static final long MSG_CONTROL_OFFSET = LAYOUT.byteOffset(groupElement("msg_control"));
    /** Offset of {@code msg_controllen}. */
    public static final long MSG_CONTROLLEN_OFFSET = LAYOUT.byteOffset(groupElement("msg_controllen"));
    /** Offset of {@code msg_flags}. */
    public static final long MSG_FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("msg_flags"));

    private MsghdrLayout() {
    }
}
