package io.pvkit.conformance.hostile;

import io.pvkit.abi.memory.MemoryAccess;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Bulk copies between a {@link MemoryAccess} and a private {@link MemorySegment}, each made as
 * <em>one</em> {@link MemoryAccess#read read} or {@link MemoryAccess#write write} of the whole range
 * (so a {@link HostileMemory} counts one read of every field the copy overlaps: the
 * {@code RING_COPY_REQUEST} step). Protocol code that keeps its private copies in segments (aligned,
 * {@code long[]}-backed) uses these instead of reading field by field.
 */
public final class MemoryCopies {

    private MemoryCopies() {
    }

    /**
     * Copies {@code length} bytes out of shared memory into a private segment.
     *
     * @param from the shared memory
     * @param gpa where the range starts in {@code from}
     * @param to the private segment
     * @param toOffset where the bytes go in {@code to}
     * @param length how many bytes (at most {@link Integer#MAX_VALUE})
     */
    public static void copyOut(MemoryAccess from, long gpa, MemorySegment to, long toOffset, long length) {
        byte[] bytes = new byte[Math.toIntExact(length)];
        from.read(gpa, bytes, 0, bytes.length);
        MemorySegment.copy(bytes, 0, to, ValueLayout.JAVA_BYTE, toOffset, bytes.length);
    }

    /**
     * Copies {@code length} bytes from a private segment into shared memory.
     *
     * @param from the private segment
     * @param fromOffset where the bytes start in {@code from}
     * @param to the shared memory
     * @param gpa where they go in {@code to}
     * @param length how many bytes (at most {@link Integer#MAX_VALUE})
     */
    public static void copyIn(MemorySegment from, long fromOffset, MemoryAccess to, long gpa, long length) {
        byte[] bytes = new byte[Math.toIntExact(length)];
        MemorySegment.copy(from, ValueLayout.JAVA_BYTE, fromOffset, bytes, 0, bytes.length);
        to.write(gpa, bytes, 0, bytes.length);
    }
}
