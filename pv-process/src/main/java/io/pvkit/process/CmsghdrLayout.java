package io.pvkit.process;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct cmsghdr} of {@code <sys/socket.h>} (x86_64 Linux glibc): the header of one ancillary
 * message, followed by its data at {@code CMSG_DATA} = {@value #DATA_OFFSET} (for {@code SCM_RIGHTS}, an
 * array of {@code int} descriptors).
 *
 * <pre>
 *  0 +---------------------------+
 *    | size_t cmsg_len           |  CMSG_LEN(n) = 16 + n
 *  8 +-------------+-------------+
 *    | cmsg_level  | cmsg_type   |  SOL_SOCKET, SCM_RIGHTS
 * 16 +-------------+-------------+
 *    | data[n] (int fds[])       |
 *    +---------------------------+  CMSG_SPACE(n) = 16 + align8(n)
 * </pre>
 * Native byte order; checked against the C header (and the {@code CMSG_*} macros) by
 * {@code ProcessAbiCrossCheckTest}.
 */
public final class CmsghdrLayout {
    /** The layout of {@code struct cmsghdr}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("cmsg_len"),
            JAVA_INT.withName("cmsg_level"),
            JAVA_INT.withName("cmsg_type")).withName("cmsghdr");
    /** {@code sizeof(struct cmsghdr)}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code cmsg_len}. */
    public static final long CMSG_LEN_OFFSET = LAYOUT.byteOffset(groupElement("cmsg_len"));
    /** Offset of {@code cmsg_level}. */
    public static final long CMSG_LEVEL_OFFSET = LAYOUT.byteOffset(groupElement("cmsg_level"));
    /** Offset of {@code cmsg_type}. */
    public static final long CMSG_TYPE_OFFSET = LAYOUT.byteOffset(groupElement("cmsg_type"));
    /** {@code CMSG_DATA(cmsg) - (unsigned char *) cmsg}: where the data starts. */
    public static final long DATA_OFFSET = 16;

    private CmsghdrLayout() {
    }

    /**
     * {@code CMSG_LEN(length)}: the {@code cmsg_len} of a message with {@code length} data bytes.
     *
     * @param length the data length
     * @return {@code 16 + length}
     */
    public static long cmsgLen(long length) {
        return DATA_OFFSET + length;
    }

    /**
     * {@code CMSG_SPACE(length)}: the control-buffer bytes a message with {@code length} data bytes takes.
     *
     * @param length the data length
     * @return {@code 16 + length} rounded up to a multiple of 8
     */
    public static long cmsgSpace(long length) {
        return DATA_OFFSET + ((length + 7) & ~7L);
    }
}
