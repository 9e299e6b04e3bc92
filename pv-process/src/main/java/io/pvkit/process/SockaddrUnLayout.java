package io.pvkit.process;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct sockaddr_un} of {@code <sys/un.h>} (Linux): a Unix domain socket address.
 *
 * <pre>
 *   0 +---------------------+
 *     | sa_family_t family  |  AF_UNIX (u16)
 *   2 +---------------------+
 *     | char sun_path[108]  |  NUL-terminated path
 * 110 +---------------------+
 * </pre>
 * Checked against the C header by {@code ProcessAbiCrossCheckTest}.
 */
public final class SockaddrUnLayout {
    /** The layout of {@code struct sockaddr_un}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sun_family"),
            MemoryLayout.sequenceLayout(108, JAVA_BYTE).withName("sun_path")).withName("sockaddr_un");
    /** {@code sizeof(struct sockaddr_un)}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code sun_family}. */
    public static final long SUN_FAMILY_OFFSET = LAYOUT.byteOffset(groupElement("sun_family"));
    /** Offset of {@code sun_path}. */
    public static final long SUN_PATH_OFFSET = LAYOUT.byteOffset(groupElement("sun_path"));
    /** The longest path that fits with its terminating NUL, in bytes. */
    public static final int MAX_PATH_BYTES = 107;

    private SockaddrUnLayout() {
    }
}
