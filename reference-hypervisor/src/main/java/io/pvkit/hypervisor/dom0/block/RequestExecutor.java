package io.pvkit.hypervisor.dom0.block;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifRequestDiscardLayout;
import io.pvkit.abi.blkif.BlkifRequestIndirectLayout;
import io.pvkit.abi.blkif.BlkifRequestLayout;
import io.pvkit.abi.blkif.BlkifRequestSegmentLayout;
import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.abi.memory.GuestMemory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * Validates and performs one blkif request of one queue (Linux's {@code dispatch_rw_block_io},
 * {@code dispatch_discard_io}, {@code xen_blkbk_parse_indirect}) and answers its status.
 *
 * <p>Validation, all before any byte of the image is touched: the operation (READ, WRITE, FLUSH_DISKCACHE,
 * DISCARD, INDIRECT with an indirect READ/WRITE; anything else is {@code BLKIF_RSP_ERROR}); READ/WRITE carry
 * 1..{@value BlkifRequestLayout#MAX_SEGMENTS_PER_REQUEST} direct segments, INDIRECT 1..{@value
 * #MAX_INDIRECT_SEGMENTS}; every segment has {@code first_sect <= last_sect <= 7}; the request's sectors lie
 * inside the image (unsigned, overflow-free); WRITE and DISCARD on a read-only disk fail; a secure discard is
 * {@code BLKIF_RSP_EOPNOTSUPP} ({@code discard-secure} = 0).
 *
 * <p>Data path: a one-segment request whose page is a persistent mapping moves straight between the file and
 * that page (positional {@link java.nio.channels.FileChannel} I/O on the mapped page: one copy). Otherwise the request's bytes move between the guest's granted pages and a
 * {@value #CHUNK_PAGES}-page buffer in domain 0's own memory ({@value #SMALL_CHUNK_PAGES} pages for queues that connect
 * when domain 0 is short of frames) ({@code GNTTABOP_copy}, batched), and between
 * that buffer and the file with positional {@link java.nio.channels.FileChannel} I/O, one chunk at a time
 * (segments in persistent mappings by a plain memory copy instead of {@code GNTTABOP_copy}). A
 * WRITE copies a chunk in and then writes it; a READ reads a chunk and then copies it out. A copy the
 * hypervisor refuses (a reference not granted to domain 0, a read-only grant as READ destination, a dead
 * domain) fails the request; chunks before it may already be done, all inside the request's own range.
 *
 * <p>The request is a private copy (the ring's {@code RING_COPY_REQUEST}); the segments of an indirect
 * request are copied into domain 0's memory first and parsed from there. Nothing is read twice from guest
 * memory. Not thread-safe: one per queue, used by its worker thread.
 */
final class RequestExecutor {
    /** {@code feature-max-indirect-segments}. */
    static final int MAX_INDIRECT_SEGMENTS = 256;
    /** Pages of the per-worker data buffer in domain 0's memory. */
    static final int CHUNK_PAGES = 32;
    /**
     * Pages of the data buffer of a queue that connects when domain 0 has no room left for {@value #CHUNK_PAGES}
     * (many guests with several queues each): larger requests then take more chunks, nothing else changes.
     */
    static final int SMALL_CHUNK_PAGES = 8;
    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final short OKAY = BlkifResponseLayout.RSP_OKAY;
    private static final short ERROR = BlkifResponseLayout.RSP_ERROR;

    private final DiskImage image;
    private final GrantCopier copier;
    private final GuestMemory dom0;
    private final long indirectGfn;
    private final long dataGfn;
    private final ByteBuffer data;
    private final int chunkBytes;
    private final int[] grefs = new int[MAX_INDIRECT_SEGMENTS];
    private final int[] firsts = new int[MAX_INDIRECT_SEGMENTS];
    private final int[] lasts = new int[MAX_INDIRECT_SEGMENTS];
    private final PersistentGrants persistent;
    private final MemorySegment buffer;
    // memory copies of the current chunk for segments in the persistent pool (page, offset, buffer offset, length)
    private final MemorySegment[] localPage = new MemorySegment[GrantCopier.MAX_OPS];
    private final int[] localOffset = new int[GrantCopier.MAX_OPS];
    private final int[] localBuffer = new int[GrantCopier.MAX_OPS];
    private final int[] localLength = new int[GrantCopier.MAX_OPS];
    private int locals;
    private long ioErrors;

    /**
     * @param image the disk
     * @param copier this worker's copy batch
     * @param dom0 domain 0's memory
     * @param indirectGfn a frame of domain 0 that receives indirect segment pages
     * @param dataGfn the first of {@code chunkPages} consecutive frames of domain 0 for data
     * @param chunkPages the data buffer's pages ({@value #CHUNK_PAGES}, or {@value #SMALL_CHUNK_PAGES} when
     *     domain 0 is short of frames)
     * @param persistent the queue's persistent-grant pool, or null when {@code feature-persistent} is off
     */
    RequestExecutor(DiskImage image, GrantCopier copier, GuestMemory dom0, long indirectGfn, long dataGfn,
                    int chunkPages, PersistentGrants persistent) {
        this.image = image;
        this.copier = copier;
        this.dom0 = dom0;
        this.indirectGfn = indirectGfn;
        this.dataGfn = dataGfn;
        this.chunkBytes = chunkPages * PAGE;
        this.buffer = dom0.slice(GuestMemory.gpaOf(dataGfn), chunkBytes);
        this.data = buffer.asByteBuffer();
        this.persistent = persistent;
    }

    /** Gives back the persistent mappings (the worker's last act). */
    void release() {
        if (persistent != null) {
            persistent.release();
        }
    }

    /** I/O errors of the image seen so far (each answered {@code BLKIF_RSP_ERROR}). */
    long ioErrors() {
        return ioErrors;
    }

    /**
     * Performs one request.
     *
     * @param req the private copy of the ring slot (UNTRUSTED content)
     * @return the response status
     */
    short execute(MemorySegment req) {
        copier.discard();
        locals = 0;
        // UNTRUSTED: every field below comes from the private copy and is validated before use
        int op = req.get(ValueLayout.JAVA_BYTE, BlkifRequestLayout.OPERATION_OFFSET) & 0xFF;
        try {
            if (op == BlkifOp.READ.code() || op == BlkifOp.WRITE.code()) {
                int nseg = req.get(ValueLayout.JAVA_BYTE, BlkifRequestLayout.NR_SEGMENTS_OFFSET) & 0xFF;
                if (nseg < 1 || nseg > BlkifRequestLayout.MAX_SEGMENTS_PER_REQUEST) {
                    return ERROR;
                }
                for (int i = 0; i < nseg; i++) {
                    segment(req, BlkifRequestLayout.SEG_OFFSET + i * BlkifRequestSegmentLayout.SIZE, i);
                }
                return rw(op == BlkifOp.WRITE.code(), req.get(ValueLayout.JAVA_LONG, BlkifRequestLayout.SECTOR_NUMBER_OFFSET), nseg);
            } else if (op == BlkifOp.INDIRECT.code()) {
                return indirect(req);
            } else if (op == BlkifOp.FLUSH_DISKCACHE.code()) {
                image.flush();
                return OKAY;
            } else if (op == BlkifOp.DISCARD.code()) {
                return discard(req);
            }
            return ERROR; // unknown, reserved, or WRITE_BARRIER (feature-barrier is not offered)
        } catch (IOException e) {
            ioErrors++;
            return ERROR;
        } catch (IllegalStateException e) {
            return ERROR; // a persistent mapping died under us: the guest is being destroyed
        }
    }

    private void segment(MemorySegment from, long at, int i) {
        grefs[i] = from.get(ValueLayout.JAVA_INT, at + BlkifRequestSegmentLayout.GREF_OFFSET);
        firsts[i] = from.get(ValueLayout.JAVA_BYTE, at + BlkifRequestSegmentLayout.FIRST_SECT_OFFSET) & 0xFF;
        lasts[i] = from.get(ValueLayout.JAVA_BYTE, at + BlkifRequestSegmentLayout.LAST_SECT_OFFSET) & 0xFF;
    }

    private short indirect(MemorySegment req) throws IOException {
        int iop = req.get(ValueLayout.JAVA_BYTE, BlkifRequestIndirectLayout.INDIRECT_OP_OFFSET) & 0xFF;
        if (iop != BlkifOp.READ.code() && iop != BlkifOp.WRITE.code()) {
            return ERROR;
        }
        int nseg = req.get(ValueLayout.JAVA_SHORT, BlkifRequestIndirectLayout.NR_SEGMENTS_OFFSET) & 0xFFFF;
        if (nseg < 1 || nseg > MAX_INDIRECT_SEGMENTS) {
            return ERROR;
        }
        // 256 segments of 8 bytes: one indirect page (ceil(nseg / 512) == 1)
        int gref = req.get(ValueLayout.JAVA_INT, BlkifRequestIndirectLayout.INDIRECT_GREFS_OFFSET);
        copier.fromGuest(gref, 0, indirectGfn, 0, (int) (nseg * BlkifRequestSegmentLayout.SIZE));
        if (copier.flush() != 0) {
            return ERROR;
        }
        // the segments are now domain 0's private copy: parsed from there, never re-read from the guest
        MemorySegment page = dom0.frame(indirectGfn);
        for (int i = 0; i < nseg; i++) {
            segment(page, i * BlkifRequestSegmentLayout.SIZE, i);
        }
        return rw(iop == BlkifOp.WRITE.code(), req.get(ValueLayout.JAVA_LONG, BlkifRequestIndirectLayout.SECTOR_NUMBER_OFFSET), nseg);
    }

    private short rw(boolean write, long sector, int nseg) throws IOException {
        if (write && image.readOnly()) {
            return ERROR;
        }
        long total = 0;
        for (int i = 0; i < nseg; i++) {
            if (firsts[i] > lasts[i] || lasts[i] >= PAGE / DiskImage.SECTOR) {
                return ERROR;
            }
            total += lasts[i] - firsts[i] + 1;
        }
        long sectors = image.sectors();
        if (Long.compareUnsigned(sector, sectors) > 0 || total > sectors - sector) {
            return ERROR;
        }
        long filePos = sector * DiskImage.SECTOR;
        if (nseg == 1 && persistent != null) {
            ByteBuffer page = persistent.buffer(grefs[0]);
            if (page != null) {
                // one segment in a kept mapping: the file moves it to or from the granted page itself, without the
                // bounce through the data buffer (one copy instead of two; what Linux's blkback does with its
                // persistent pages). The guest may change a page it is writing meanwhile: only its own bytes of
                // its own range change, exactly as with a page it changes between two requests.
                int offset = firsts[0] * DiskImage.SECTOR;
                page.clear().position(offset).limit(offset + (lasts[0] - firsts[0] + 1) * DiskImage.SECTOR);
                if (write) {
                    image.write(page, filePos);
                } else {
                    image.read(page, filePos);
                }
                return OKAY;
            }
        }
        int buffered = 0;
        for (int i = 0; i < nseg; i++) {
            int offset = firsts[i] * DiskImage.SECTOR;
            int length = (lasts[i] - firsts[i] + 1) * DiskImage.SECTOR;
            if (buffered + length > chunkBytes) {
                if (!chunk(write, buffered, filePos)) {
                    return ERROR;
                }
                filePos += buffered;
                buffered = 0;
            }
            MemorySegment mapped = persistent == null ? null : persistent.page(grefs[i]);
            if (mapped != null) {
                localPage[locals] = mapped;
                localOffset[locals] = offset;
                localBuffer[locals] = buffered;
                localLength[locals++] = length;
                buffered += length;
                continue;
            }
            for (int done = 0; done < length; ) {
                int p = buffered + done;
                int n = Math.min(length - done, PAGE - (p & (PAGE - 1)));
                long gfn = dataGfn + (p >>> GuestMemory.PAGE_SHIFT);
                if (write) {
                    copier.fromGuest(grefs[i], offset + done, gfn, p & (PAGE - 1), n);
                } else {
                    copier.toGuest(gfn, p & (PAGE - 1), grefs[i], offset + done, n);
                }
                done += n;
            }
            buffered += length;
        }
        return buffered == 0 || chunk(write, buffered, filePos) ? OKAY : ERROR;
    }

    /** Moves one chunk: WRITE copies in, then writes; READ reads, then copies out. */
    private boolean chunk(boolean write, int bytes, long filePos) throws IOException {
        data.clear().limit(bytes);
        if (write) {
            if (copier.flush() != 0) {
                return false;
            }
            localCopies(true);
            image.write(data, filePos);
            return true;
        }
        image.read(data, filePos);
        localCopies(false);
        return copier.flush() == 0;
    }

    /** The persistent-pool segments of the chunk: plain memory copies through the kept mappings. */
    private void localCopies(boolean toBuffer) {
        for (int k = 0; k < locals; k++) {
            if (toBuffer) {
                MemorySegment.copy(localPage[k], localOffset[k], buffer, localBuffer[k], localLength[k]);
            } else {
                MemorySegment.copy(buffer, localBuffer[k], localPage[k], localOffset[k], localLength[k]);
            }
            localPage[k] = null;
        }
        locals = 0;
    }

    private short discard(MemorySegment req) throws IOException {
        if (image.readOnly()) {
            return ERROR;
        }
        int flag = req.get(ValueLayout.JAVA_BYTE, BlkifRequestDiscardLayout.FLAG_OFFSET) & 0xFF;
        if ((flag & BlkifRequestDiscardLayout.DISCARD_SECURE) != 0) {
            return BlkifResponseLayout.RSP_EOPNOTSUPP;
        }
        long sector = req.get(ValueLayout.JAVA_LONG, BlkifRequestDiscardLayout.SECTOR_NUMBER_OFFSET);
        long count = req.get(ValueLayout.JAVA_LONG, BlkifRequestDiscardLayout.NR_SECTORS_OFFSET);
        long sectors = image.sectors();
        if (Long.compareUnsigned(sector, sectors) > 0 || Long.compareUnsigned(count, sectors - sector) > 0) {
            return ERROR;
        }
        image.discard(sector * DiskImage.SECTOR, count * DiskImage.SECTOR);
        return OKAY;
    }
}
