package io.pvkit.rings;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Where the request/response {@code id} lives inside an entry, e.g. {@code blkif_request.id}
 * (offset 8, 8 bytes) and {@code blkif_response.id} (offset 0, 8 bytes).
 *
 * <p>The front ring writes a shadow index ({@code 0 .. RING_SIZE-1}) into this field of each request
 * and matches responses by the same field, as Linux blkfront does.
 * A front ring whose slot count does not fit the field (more than 65536 slots with 2-byte ids)
 * is rejected with {@link IllegalArgumentException} when it is created.
 *
 * @param offset the byte offset of the field in the entry
 * @param width the width in bytes: 2, 4 or 8 (little-endian, naturally aligned in C)
 */
public record RingIdField(long offset, int width) {

    /**
     * Validates the field.
     *
     * @param offset the byte offset of the field in the entry
     * @param width the width in bytes: 2, 4 or 8
     */
    public RingIdField {
        if (width != 2 && width != 4 && width != 8) {
            throw new IllegalArgumentException("id width must be 2, 4 or 8 bytes: " + width);
        }
        if (offset < 0 || offset % width != 0) {
            throw new IllegalArgumentException("id offset must be non-negative and aligned to " + width + ": " + offset);
        }
    }

    /**
     * Reads the id from a private copy of an entry, zero-extended.
     *
     * @param entry the private copy
     * @return the id as an unsigned value (may be huge or negative for 8-byte ids: compare unsigned)
     */
    public long read(MemorySegment entry) {
        return switch (width) {
            case 2 -> Short.toUnsignedLong(entry.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset));
            case 4 -> Integer.toUnsignedLong(entry.get(ValueLayout.JAVA_INT_UNALIGNED, offset));
            default -> entry.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
        };
    }

    /**
     * Writes an id into a private copy of an entry.
     *
     * @param entry the private copy
     * @param id the id (a shadow index)
     */
    public void write(MemorySegment entry, int id) {
        switch (width) {
            case 2 -> entry.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, (short) id);
            case 4 -> entry.set(ValueLayout.JAVA_INT_UNALIGNED, offset, id);
            default -> entry.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, Integer.toUnsignedLong(id));
        }
    }
}
