package io.pvkit.process;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct iovec} of {@code <sys/uio.h>} (x86_64 Linux): one buffer of a scatter/gather list.
 *
 * <pre>
 *  0 +-------------------+
 *    | void *iov_base    |  [IN]
 *  8 +-------------------+
 *    | size_t iov_len    |  [IN]
 * 16 +-------------------+
 * </pre>
 * Native byte order; checked against the C header by {@code ProcessAbiCrossCheckTest}.
 */
public final class IovecLayout {
    /** The layout of {@code struct iovec}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"),
            JAVA_LONG.withName("iov_len")).withName("iovec");
    /** {@code sizeof(struct iovec)}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code iov_base}. */
    public static final long IOV_BASE_OFFSET = LAYOUT.byteOffset(groupElement("iov_base"));
    /** Offset of {@code iov_len}. */
    public static final long IOV_LEN_OFFSET = LAYOUT.byteOffset(groupElement("iov_len"));

    private IovecLayout() {
    }
}
