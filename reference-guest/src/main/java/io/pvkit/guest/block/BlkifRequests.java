package io.pvkit.guest.block;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifRequestDiscardLayout;
import io.pvkit.abi.blkif.BlkifRequestIndirectLayout;
import io.pvkit.abi.blkif.BlkifRequestLayout;
import io.pvkit.abi.blkif.BlkifRequestSegmentLayout;
import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Writes blkif requests into a private 112-byte request image (the ring copies it into its slot) and
 * segment lists into indirect pages, with pv-abi's layouts only: Xen {@code io/blkif.h}, x86_64.
 */
final class BlkifRequests {
    /** The blkif ring: {@code DEFINE_RING_TYPES(blkif, struct blkif_request, struct blkif_response)}, 112-byte slots. */
    static final RingType RING_TYPE = RingType.of("blkif", BlkifRequestLayout.LAYOUT, BlkifResponseLayout.LAYOUT,
            new RingIdField(BlkifRequestLayout.ID_OFFSET, 8), new RingIdField(BlkifResponseLayout.ID_OFFSET, 8));
    /** Sectors per 4096-byte page (sector = 512 bytes on the wire, always). */
    static final int SECTORS_PER_PAGE = 8;
    /** The wire's sector size. */
    static final int SECTOR = 512;

    private BlkifRequests() {
    }

    /** A zeroed request image (padding bytes stay zero); each writer below clears it first, so one can be reused. */
    static MemorySegment newImage() {
        return MemorySegment.ofArray(new long[(int) (BlkifRequestLayout.SIZE / 8)]);
    }

    /** The number of segments of {@code sectors} sectors starting at a page boundary. */
    static int segments(int sectors) {
        return (sectors + SECTORS_PER_PAGE - 1) / SECTORS_PER_PAGE;
    }

    /** {@code last_sect} of segment {@code i} of {@code n}, for a transfer of {@code sectors} from a page boundary. */
    static byte lastSect(int i, int n, int sectors) {
        return (byte) (i == n - 1 ? (sectors - 1) % SECTORS_PER_PAGE : SECTORS_PER_PAGE - 1);
    }

    /** A direct read or write: up to 11 segments in the request itself, their references {@code refs[0..count)}. */
    static void direct(MemorySegment image, BlkifOp op, int handle, long sector, int sectors, int[] refs, int count) {
        int n = segments(sectors);
        if (n > BlkifRequestLayout.MAX_SEGMENTS_PER_REQUEST || n != count || count > refs.length) {
            throw new IllegalArgumentException(n + " segments for " + count + " refs");
        }
        image.fill((byte) 0);
        image.set(ValueLayout.JAVA_BYTE, BlkifRequestLayout.OPERATION_OFFSET, (byte) op.code());
        image.set(ValueLayout.JAVA_BYTE, BlkifRequestLayout.NR_SEGMENTS_OFFSET, (byte) n);
        image.set(ValueLayout.JAVA_SHORT, BlkifRequestLayout.HANDLE_OFFSET, (short) handle);
        image.set(ValueLayout.JAVA_LONG, BlkifRequestLayout.SECTOR_NUMBER_OFFSET, sector);
        for (int i = 0; i < n; i++) {
            long seg = BlkifRequestLayout.SEG_OFFSET + i * BlkifRequestSegmentLayout.SIZE;
            image.set(ValueLayout.JAVA_INT, seg + BlkifRequestSegmentLayout.GREF_OFFSET, refs[i]);
            image.set(ValueLayout.JAVA_BYTE, seg + BlkifRequestSegmentLayout.FIRST_SECT_OFFSET, (byte) 0);
            image.set(ValueLayout.JAVA_BYTE, seg + BlkifRequestSegmentLayout.LAST_SECT_OFFSET, lastSect(i, n, sectors));
        }
    }

    /**
     * An indirect read or write: the segments (references {@code refs[0..count)}) go into the indirect pages
     * (512 per page, at {@code indirectGpas[0..pages)}), the request carries the pages' grant references
     * ({@code refs[count..count + pages)}).
     */
    static void indirect(MemorySegment image, BlkifOp op, int handle, long sector, int sectors, int[] refs, int count,
                         MemoryAccess memory, long[] indirectGpas, int pages) {
        int n = segments(sectors);
        if (n != count || pages != indirectPages(n) || count + pages > refs.length || pages > indirectGpas.length
                || pages > BlkifRequestIndirectLayout.MAX_INDIRECT_PAGES_PER_REQUEST) {
            throw new IllegalArgumentException(n + " segments, " + pages + " indirect pages");
        }
        for (int i = 0; i < n; i++) {
            long at = indirectGpas[i / BlkifRequestIndirectLayout.SEGMENTS_PER_INDIRECT_FRAME]
                    + (i % BlkifRequestIndirectLayout.SEGMENTS_PER_INDIRECT_FRAME) * BlkifRequestSegmentLayout.SIZE;
            memory.setInt(at + BlkifRequestSegmentLayout.GREF_OFFSET, refs[i]);
            memory.setByte(at + BlkifRequestSegmentLayout.FIRST_SECT_OFFSET, (byte) 0);
            memory.setByte(at + BlkifRequestSegmentLayout.LAST_SECT_OFFSET, lastSect(i, n, sectors));
            memory.setShort(at + BlkifRequestSegmentLayout.LAST_SECT_OFFSET + 1, (short) 0);   // the entry's padding
        }
        image.fill((byte) 0);
        image.set(ValueLayout.JAVA_BYTE, BlkifRequestIndirectLayout.OPERATION_OFFSET, (byte) BlkifOp.INDIRECT.code());
        image.set(ValueLayout.JAVA_BYTE, BlkifRequestIndirectLayout.INDIRECT_OP_OFFSET, (byte) op.code());
        image.set(ValueLayout.JAVA_SHORT, BlkifRequestIndirectLayout.NR_SEGMENTS_OFFSET, (short) n);
        image.set(ValueLayout.JAVA_LONG, BlkifRequestIndirectLayout.SECTOR_NUMBER_OFFSET, sector);
        image.set(ValueLayout.JAVA_SHORT, BlkifRequestIndirectLayout.HANDLE_OFFSET, (short) handle);
        for (int p = 0; p < pages; p++) {
            image.set(ValueLayout.JAVA_INT, BlkifRequestIndirectLayout.INDIRECT_GREFS_OFFSET + 4L * p, refs[count + p]);
        }
    }

    /** The indirect pages that hold {@code segments} segments. */
    static int indirectPages(int segments) {
        return (segments + BlkifRequestIndirectLayout.SEGMENTS_PER_INDIRECT_FRAME - 1)
                / BlkifRequestIndirectLayout.SEGMENTS_PER_INDIRECT_FRAME;
    }

    /** {@code BLKIF_OP_FLUSH_DISKCACHE}: no segments. */
    static void flush(MemorySegment image, int handle) {
        image.fill((byte) 0);
        image.set(ValueLayout.JAVA_BYTE, BlkifRequestLayout.OPERATION_OFFSET, (byte) BlkifOp.FLUSH_DISKCACHE.code());
        image.set(ValueLayout.JAVA_SHORT, BlkifRequestLayout.HANDLE_OFFSET, (short) handle);
    }

    /** {@code BLKIF_OP_DISCARD} of {@code sectors} sectors from {@code sector}. */
    static void discard(MemorySegment image, int handle, long sector, long sectors) {
        image.fill((byte) 0);
        image.set(ValueLayout.JAVA_BYTE, BlkifRequestDiscardLayout.OPERATION_OFFSET, (byte) BlkifOp.DISCARD.code());
        image.set(ValueLayout.JAVA_SHORT, BlkifRequestDiscardLayout.HANDLE_OFFSET, (short) handle);
        image.set(ValueLayout.JAVA_LONG, BlkifRequestDiscardLayout.SECTOR_NUMBER_OFFSET, sector);
        image.set(ValueLayout.JAVA_LONG, BlkifRequestDiscardLayout.NR_SECTORS_OFFSET, sectors);
    }

    /** The operation byte of a request image (the shadow). */
    static int operation(MemorySegment request) {
        return Byte.toUnsignedInt(request.get(ValueLayout.JAVA_BYTE, BlkifRequestLayout.OPERATION_OFFSET));
    }
}
