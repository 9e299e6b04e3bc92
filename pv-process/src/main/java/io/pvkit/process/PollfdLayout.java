package io.pvkit.process;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct pollfd} of {@code <poll.h>} (Linux): {@code int fd} at 0, {@code short events} at 4,
 * {@code short revents} at 6; 8 bytes. Checked against the C header by {@code ProcessAbiCrossCheckTest}.
 */
public final class PollfdLayout {
    /** The layout of {@code struct pollfd}. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"),
            JAVA_SHORT.withName("events"),
            JAVA_SHORT.withName("revents")).withName("pollfd");
    /** {@code sizeof(struct pollfd)}. */
    public static final long SIZE = LAYOUT.byteSize();
    /** Offset of {@code fd}. */
    public static final long FD_OFFSET = LAYOUT.byteOffset(groupElement("fd"));
    /** Offset of {@code events}. */
    public static final long EVENTS_OFFSET = LAYOUT.byteOffset(groupElement("events"));
    /** Offset of {@code revents}. */
    public static final long REVENTS_OFFSET = LAYOUT.byteOffset(groupElement("revents"));

    private PollfdLayout() {
    }
}
