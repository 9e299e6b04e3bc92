package io.pvkit.rings;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Keeps one side's private ring state off the other side's cache lines (JCTools' padding idiom): 128 bytes of
 * unused fields before the subclass's fields (HotSpot lays out superclass fields first), and private scratch
 * buffers allocated with 128 bytes on each side of the bytes that are written. A front and a back made by one
 * thread are allocated next to each other; without this, the front's {@code rsp_cons} and response buffer
 * could share a line with the back's {@code req_cons}, and every request would move that line between the
 * two cores (false sharing). 128 bytes, not 64, because the adjacent-line prefetcher pulls pairs of lines.
 * Not part of the ABI: shared ring memory is never padded.
 */
abstract class RingPadding {
    /** Bytes of padding on each side. */
    static final int PAD_BYTES = 128;
    // 16 unused longs = 128 bytes ahead of the subclass's fields
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;

    RingPadding() {
    }

    /**
     * A private native buffer of {@code bytes} bytes (64-byte aligned, zeroed, freed by the GC once unreachable)
     * with {@link #PAD_BYTES} unused bytes on each side. Native rather than a heap array so that a caller can
     * view a private copy as a direct {@link java.nio.ByteBuffer} (e.g. for {@link java.util.zip.CRC32C}'s
     * intrinsic) without copying it, as a C peer checksums its {@code RING_COPY_REQUEST} copy in place.
     *
     * @param bytes the usable size
     * @return the usable slice
     */
    static MemorySegment paddedBuffer(long bytes) {
        return Arena.ofAuto().allocate(PAD_BYTES + bytes + PAD_BYTES, 64).asSlice(PAD_BYTES, bytes);
    }
}
