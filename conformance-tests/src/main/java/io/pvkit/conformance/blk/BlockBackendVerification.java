package io.pvkit.conformance.blk;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifRequestIndirectLayout;
import io.pvkit.abi.blkif.BlkifRequestLayout;
import io.pvkit.abi.blkif.BlkifRequestSegmentLayout;
import io.pvkit.conformance.blk.FrontendRing.Response;
import io.pvkit.conformance.blk.FrontendRing.Seg;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
/**
 * Verifies the block backend rules ({@link BlockRules}: BLK-01 .. BLK-21) against a PV block backend under test,
 * through a scripted, deliberately hostile frontend that runs as a guest of the backend's hypervisor.
 *
 * <p>Extend it in your test scope:
 * {@snippet :
 * class MyBlkbackConformanceTest extends BlockBackendVerification {
 *     @Override
 *     protected BlockBackendUnderTest createBackend() {
 *         return new MyBlkbackPort();   // implements io.pvkit.conformance.blk.BlockBackendUnderTest
 *     }
 * }
 * }
 * Each test creates a fresh backend, one unprivileged frontend domain of {@value #FRONTEND_FRAMES} frames and a
 * {@value #IMAGE_BYTES}-byte image file filled with a position-dependent pattern, opens devices on it and
 * connects them with the keys a frontend writes. Observations are what a frontend and the toolstack can see:
 * responses on the ring, the grant entries' busy bits, the guest's pages and the image file (read through a new
 * file channel at the moment of a response). Responses are awaited at most {@link #responseTimeout()}.
 *
 * <p>Features the backend does not offer in its keys (multi-queue, indirect requests, flush, discard) make the
 * checks of BLK-04, BLK-14, BLK-16, BLK-17 and BLK-20 skip, and BLK-21 needs
 * {@link BlockCapability#LIVE_MAPPING_COUNT}; those methods are {@code optional_}. The other rules are
 * {@code required_} and never skipped.
 */
public abstract class BlockBackendVerification extends BlockRequestVerification {
    /** The frontend domain's memory, in frames. */
    public static final int FRONTEND_FRAMES = 2048;
    /** The top frames of the frontend's memory the kit never touches (a platform may keep its grant table there). */
    public static final int RESERVED_TOP_FRAMES = 16;
    /** The size of the test image: 4096 sectors. */
    public static final int IMAGE_BYTES = 2 * 1024 * 1024;

    /** Creates the verification; subclasses supply the backend through {@link #createBackend()}. */
    protected BlockBackendVerification() {
    }

    /**
     * Creates a fresh backend (with its hypervisor) for one test.
     *
     * @return the backend under test
     */
    @Override
    protected abstract BlockBackendUnderTest createBackend();

    /**
     * How long the kit waits for a response, a connect or a close before it fails the check.
     *
     * @return the bound (5 seconds by default)
     */
    @Override
    protected Duration responseTimeout() {
        return Duration.ofSeconds(5);
    }

    // ------------------------------------------------------------------------------------------ BLK-12

    /**
     * Rule {@linkplain BlockRules BLK-12}: the data path moves exactly the named sectors.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>segment data starts at {@code first_sect * 512} in its page and is {@code last_sect - first_sect + 1}
     *       sectors long;</li>
     *   <li>segments follow each other on disk from {@code sector_number}, in segment order;</li>
     *   <li>a READ writes only the named sector ranges of its pages (no whole-page copy).</li>
     * </ul>
     */
    @Test
    public void required_BLK_12_dataPathMovesExactlyTheNamedSectors() {
        Device d = connect();
        FrontendRing ring = d.ring();
        byte[] expected = read(d.image);
        Page a = dataPage(d, true, 1);
        Page b = dataPage(d, true, 2);
        Page c = dataPage(d, true, 3);
        Seg[] ws = {new Seg(a.ref, 2, 5), new Seg(b.ref, 0, 7), new Seg(c.ref, 1, 1)};
        long id = id();
        long s = 1001;
        ring.putDirect(WRITE, 3, id, s, ws);
        ring.push();
        Response r = single(ring);
        assertEquals(id, r.id(), "WRITE response id");
        assertEquals(OKAY, r.status(), "a valid 3-segment WRITE");
        long at = copyBack(expected, guest.page(a.gfn), ws[0], s);
        at = copyBack(expected, guest.page(b.gfn), ws[1], at);
        copyBack(expected, guest.page(c.gfn), ws[2], at);
        byte[] img = imageAfterFlush(d, ring);
        assertArrayEquals(expected, img, "the image after a WRITE of 13 sectors at " + s
                + ": segments at their first_sect offsets, in order, and nothing else changed");
        // read them back with other offsets: only the named ranges of the pages change
        Page x = page(d, false, MARKER);
        Page y = page(d, false, MARKER);
        Seg[] rs = {new Seg(x.ref, 3, 7), new Seg(y.ref, 0, 7)};
        long id2 = id();
        ring.putDirect(READ, 2, id2, s, rs);
        ring.push();
        Response r2 = single(ring);
        assertEquals(OKAY, r2.status(), "a valid 2-segment READ");
        byte[] px = guest.page(x.gfn);
        byte[] py = guest.page(y.gfn);
        byte[] wantX = new byte[4096];
        Arrays.fill(wantX, MARKER);
        System.arraycopy(img, (int) s * SECTOR, wantX, 3 * SECTOR, 5 * SECTOR);
        assertArrayEquals(wantX, px, "READ into sectors 3..7 of a page: sectors 0..2 keep the marker");
        assertArrayEquals(Arrays.copyOfRange(img, (int) (s + 5) * SECTOR, (int) (s + 13) * SECTOR), py, "second segment");
        // eleven full segments round trip
        Seg[] eleven = new Seg[BlkifRequestLayout.MAX_SEGMENTS_PER_REQUEST];
        Page[] src = new Page[eleven.length];
        for (int i = 0; i < eleven.length; i++) {
            src[i] = dataPage(d, true, 100 + i);
            eleven[i] = new Seg(src[i].ref, 0, 7);
        }
        long id3 = id();
        ring.putDirect(WRITE, eleven.length, id3, 2048, eleven);
        ring.push();
        assertEquals(OKAY, single(ring).status(), "a valid 11-segment WRITE");
        byte[] img2 = imageAfterFlush(d, ring);
        for (int i = 0; i < eleven.length; i++) {
            assertArrayEquals(guest.page(src[i].gfn), Arrays.copyOfRange(img2, (2048 + 8 * i) * SECTOR, (2048 + 8 * i + 8) * SECTOR),
                    "segment " + i + " of an 11-segment WRITE");
        }
    }

    // ------------------------------------------------------------------------------------------ BLK-13

    /**
     * Rule {@linkplain BlockRules BLK-13}: one well-formed response per request.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the response is built in a zeroed private buffer and copied into the slot whole (16 bytes), so the
     *       padding bytes (offset 9 and 12..15) are 0, not the request's id bytes left in the slot;</li>
     *   <li>the id is the request's full 64-bit id and the operation its operation byte;</li>
     *   <li>an error path sends exactly one response and does not fall through to the success path.</li>
     * </ul>
     */
    @Test
    public void required_BLK_13_oneWellFormedResponsePerRequest() {
        Device d = connect();
        FrontendRing ring = d.ring();
        Map<Long, Integer> ops = new LinkedHashMap<>();
        Page w = dataPage(d, true, 13);
        Page r = page(d, false, MARKER);
        long[] ids = {0x1122_3344_5566_7788L, 0xFFEE_DDCC_BBAA_9988L, 0x0102_0304_0506_0708L, 0x8877_6655_4433_2211L,
            0x7F7F_7F7F_7F7F_7F7FL};
        ring.putDirect(READ, 1, ids[0], 40, new Seg(r.ref, 0, 7));
        ops.put(ids[0], READ);
        ring.putDirect(WRITE, 1, ids[1], 48, new Seg(w.ref, 0, 7));
        ops.put(ids[1], WRITE);
        ring.putDirect(0x77, 1, ids[2], 48, new Seg(w.ref, 0, 7));
        ops.put(ids[2], 0x77);
        ring.putDirect(WRITE, 1, ids[3], sectors(d) + 1, new Seg(w.ref, 0, 7));
        ops.put(ids[3], WRITE);
        ring.putDirect(READ, 0, ids[4], 40);
        ops.put(ids[4], READ);
        ring.push();
        List<Response> got = ring.await(ids.length, responseTimeout());
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        assertEquals(0, ring.unconsumed(), "more responses than requests: " + got);
        Set<Long> seen = new HashSet<>();
        for (Response x : got) {
            assertTrue(ops.containsKey(x.id()), "a response with an id no request had: 0x" + Long.toHexString(x.id()));
            assertTrue(seen.add(x.id()), "two responses for id 0x" + Long.toHexString(x.id()));
            assertEquals(ops.get(x.id()), x.operation(), "operation echoed for id 0x" + Long.toHexString(x.id()));
            assertTrue(Set.of(OKAY, ERROR, EOPNOTSUPP).contains(x.status()), "status " + x.status());
            assertTrue(x.paddingZero(), "padding bytes of the response for id 0x" + Long.toHexString(x.id())
                    + " are not zero: byte 9 = " + x.padding1() + ", bytes 12..15 = 0x" + Integer.toHexString(x.padding4()));
        }
        assertEquals(OKAY, got.stream().filter(x -> x.id() == ids[0]).findFirst().orElseThrow().status(), "the valid READ");
        assertEquals(OKAY, got.stream().filter(x -> x.id() == ids[1]).findFirst().orElseThrow().status(), "the valid WRITE");
        long max = number(d.keys, "feature-max-indirect-segments", 0);
        if (max > 0) {
            Page ind = page(d, true, (byte) 0);
            byte[] entries = new byte[4096];
            writeSegment(entries, 0, new Seg(w.ref, 0, 7));
            guest.writePage(ind.gfn, entries);
            long id = 0x0A0B_0C0D_0E0F_1011L;
            ring.putIndirect(WRITE, 1, id, 56, ind.ref);
            ring.push();
            Response x = single(ring);
            assertEquals(id, x.id(), "indirect response id");
            assertTrue(x.operation() == INDIRECT || x.operation() == WRITE,
                    "an indirect WRITE's response operation must be INDIRECT (6) or WRITE (1): " + x.operation());
            assertEquals(OKAY, x.status(), "a valid one-segment indirect WRITE");
            assertTrue(x.paddingZero(), "padding of the indirect response");
        }
    }

    private static void writeSegment(byte[] page, int index, Seg s) {
        int o = (int) (index * BlkifRequestSegmentLayout.SIZE);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(page).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(o + (int) BlkifRequestSegmentLayout.GREF_OFFSET, s.gref());
        b.put(o + (int) BlkifRequestSegmentLayout.FIRST_SECT_OFFSET, (byte) s.first());
        b.put(o + (int) BlkifRequestSegmentLayout.LAST_SECT_OFFSET, (byte) s.last());
    }

    // ------------------------------------------------------------------------------------------ BLK-14

    /**
     * Rule {@linkplain BlockRules BLK-14}: a flush is answered only after acknowledged writes are in the file.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a write cache (if any) is written to the file, and the file forced, before the flush's response is
     *       put on the ring;</li>
     *   <li>BLKIF_OP_FLUSH_DISKCACHE with {@code nr_segments} 0 is valid and answered OKAY.</li>
     * </ul>
     */
    @Test
    public void optional_BLK_14_flushAnsweredAfterAcknowledgedWritesAreInTheFile() {
        Device d = connect();
        Assumptions.assumeTrue(number(d.keys, "feature-flush-cache", 0) == 1, "feature-flush-cache not offered");
        FrontendRing ring = d.ring();
        byte[] expected = read(d.image);
        for (int i = 0; i < 4; i++) {
            Page p = dataPage(d, true, 1400 + i);
            long id = id();
            long sector = 512 + 64L * i;
            ring.putDirect(WRITE, 1, id, sector, new Seg(p.ref, 0, 7));
            ring.push();
            assertEquals(OKAY, single(ring).status(), "WRITE " + i);
            System.arraycopy(guest.page(p.gfn), 0, expected, (int) sector * SECTOR, 4096);
        }
        long id = id();
        ring.putDirect(FLUSH, 0, id, 0);
        ring.push();
        Response r = single(ring);
        byte[] atResponse = read(d.image);
        assertEquals(id, r.id(), "flush response id");
        assertEquals(OKAY, r.status(), "a flush when feature-flush-cache is offered");
        assertArrayEquals(expected, atResponse, "at the flush's response the image file must hold every "
                + "acknowledged write");
    }

    // ------------------------------------------------------------------------------------------ BLK-15

    /**
     * Rule {@linkplain BlockRules BLK-15}: a write is in the file at its response.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the response is put on the ring after the file write returned, not when the write was queued;</li>
     *   <li>no private write-back cache holds the data past the response (or, if the backend keeps one on
     *       purpose, that it documents it and offers feature-flush-cache).</li>
     * </ul>
     */
    @Test
    public void optional_BLK_15_writeIsInTheFileAtItsResponse() {
        Device d = connect();
        FrontendRing ring = d.ring();
        Page p = dataPage(d, true, 15);
        long id = id();
        ring.putDirect(WRITE, 1, id, 700, new Seg(p.ref, 0, 7));
        ring.push();
        Response r = single(ring);
        byte[] atResponse = read(d.image);
        assertEquals(OKAY, r.status(), "a valid WRITE");
        assertArrayEquals(guest.page(p.gfn), Arrays.copyOfRange(atResponse, 700 * SECTOR, 708 * SECTOR),
                "at the WRITE's response the image file must hold its data");
    }

    // ------------------------------------------------------------------------------------------ BLK-16

    /**
     * Rule {@linkplain BlockRules BLK-16}: indirect requests work up to the offered segment count.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the indirect pages are mapped (read-only is enough) and their {@code blkif_request_segment} entries
     *       copied once, 512 per page, in order;</li>
     *   <li>segment i of the indirect list lands on the disk right after segment i-1;</li>
     *   <li>the response carries the request's id;</li>
     *   <li>without feature-persistent, every data and indirect page is unmapped before the response is sent
     *       (the kit revokes them right after it: a revoke that fails means a mapping outlived its request).</li>
     * </ul>
     */
    @Test
    public void optional_BLK_16_indirectRequestsWork() {
        Device d = connect();
        long max = number(d.keys, "feature-max-indirect-segments", 0);
        Assumptions.assumeTrue(max > 0, "feature-max-indirect-segments not offered");
        int n = (int) Math.min(max, 256);
        FrontendRing ring = d.ring();
        Page[] src = new Page[n];
        int pagesOfList = (n + 511) / 512;
        for (int i = 0; i < n; i++) {
            src[i] = dataPage(d, true, 1600 + i);
        }
        int[] listRefs = indirectList(d, src, pagesOfList);
        long id = id();
        ring.putIndirect(WRITE, n, id, 0, listRefs);
        ring.push();
        Response r = single(ring);
        assertEquals(id, r.id(), "indirect WRITE response id");
        assertEquals(OKAY, r.status(), "an indirect WRITE of " + n + " segments");
        byte[] img = imageAfterFlush(d, ring);
        for (int i = 0; i < n; i++) {
            assertArrayEquals(guest.page(src[i].gfn), Arrays.copyOfRange(img, 8 * i * SECTOR, (8 * i + 8) * SECTOR),
                    "segment " + i + " of the indirect WRITE");
        }
        for (int i = 0; i < n; i++) {
            assertTrue(guest.revoke(src[i].ref), "the frontend cannot revoke segment grant " + src[i].ref
                    + " after the indirect WRITE's response");
        }
        for (int ref : listRefs) {
            assertTrue(guest.revoke(ref), "the frontend cannot revoke indirect page grant " + ref + " after the response");
        }
        Page[] dst = new Page[n];
        for (int i = 0; i < n; i++) {
            dst[i] = page(d, false, MARKER);
        }
        int[] readRefs = indirectList(d, dst, pagesOfList);
        long id2 = id();
        ring.putIndirect(READ, n, id2, 0, readRefs);
        ring.push();
        Response r2 = single(ring);
        assertEquals(OKAY, r2.status(), "an indirect READ of " + n + " segments");
        for (int i = 0; i < n; i++) {
            assertArrayEquals(Arrays.copyOfRange(img, 8 * i * SECTOR, (8 * i + 8) * SECTOR), guest.page(dst[i].gfn),
                    "segment " + i + " of the indirect READ");
        }
    }

    /** Writes full-page segments for {@code pages} into fresh indirect pages granted read-only; returns their refs. */
    private int[] indirectList(Device d, Page[] pages, int listPages) {
        int[] refs = new int[listPages];
        for (int l = 0; l < listPages; l++) {
            byte[] entries = new byte[4096];
            for (int k = 0; k < BlkifRequestIndirectLayout.SEGMENTS_PER_INDIRECT_FRAME; k++) {
                int i = l * BlkifRequestIndirectLayout.SEGMENTS_PER_INDIRECT_FRAME + k;
                if (i >= pages.length) {
                    break;
                }
                writeSegment(entries, k, new Seg(pages[i].ref, 0, 7));
            }
            long gfn = guest.allocFrames(1);
            guest.writePage(gfn, entries);
            refs[l] = guest.grant(d.backendDomid, gfn, true);
        }
        return refs;
    }

    // ------------------------------------------------------------------------------------------ BLK-17

    /**
     * Rule {@linkplain BlockRules BLK-17}: bad indirect requests are refused.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>{@code nr_segments} of an indirect request is checked against the offered
     *       feature-max-indirect-segments (and against 0) before the indirect pages are read;</li>
     *   <li>{@code indirect_op} must be READ or WRITE;</li>
     *   <li>a failure to map an indirect page fails the request instead of reading garbage segments.</li>
     * </ul>
     */
    @Test
    public void optional_BLK_17_badIndirectRequestsRefused() {
        Device d = connect();
        long max = number(d.keys, "feature-max-indirect-segments", 0);
        Assumptions.assumeTrue(max > 0, "feature-max-indirect-segments not offered");
        int n = (int) Math.min(max, 8 * 512 - 1) + 1;
        Page[] src = new Page[n];
        for (int i = 0; i < n; i++) {
            src[i] = dataPage(d, true, 1700 + i % 64);
        }
        int listPages = (n + 511) / 512;
        int[] over = indirectList(d, src, listPages);
        long id = id();
        if (n <= 8 * 512 && max < 8 * 512) {
            assertRefused(d, "indirect WRITE with " + n + " segments (offered " + max + ")",
                    () -> d.ring().putIndirect(WRITE, n, id, 0, over), id);
        }
        Page[] one = {dataPage(d, true, 1799)};
        int[] list = indirectList(d, one, 1);
        long id2 = id();
        assertRefused(d, "indirect with indirect_op FLUSH_DISKCACHE", () -> d.ring().putIndirect(FLUSH, 1, id2, 0, list), id2);
        long id3 = id();
        assertRefused(d, "indirect with indirect_op 0x77", () -> d.ring().putIndirect(0x77, 1, id3, 0, list), id3);
        long id4 = id();
        assertRefused(d, "indirect WRITE with 0 segments", () -> d.ring().putIndirect(WRITE, 0, id4, 0, list), id4);
        int empty = guest.allocRef();
        long id5 = id();
        assertRefused(d, "indirect WRITE whose indirect page is an empty grant entry",
                () -> d.ring().putIndirect(WRITE, 1, id5, 0, empty), id5);
        long id6 = id();
        assertRefused(d, "indirect WRITE whose indirect page reference is beyond the table",
                () -> d.ring().putIndirect(WRITE, 1, id6, 0, 0x7FFF_FFF0), id6);
    }

    // ------------------------------------------------------------------------------------------ BLK-18

    /**
     * Rule {@linkplain BlockRules BLK-18}: a producer overflow breaks only that ring.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>req_prod is read once and checked with RING_REQUEST_PROD_OVERFLOW ({@code req_prod - rsp_prod_pvt >
     *       ring size}) before any slot is consumed;</li>
     *   <li>on overflow the ring's worker stops serving (no more responses on that ring) without stopping the
     *       backend or the workers of other devices.</li>
     * </ul>
     */
    @Test
    public void required_BLK_18_producerOverflowBreaksOnlyThatRing() {
        Device a = connect();
        Device b = connect();
        byte[] imageA = read(a.image);
        FrontendRing ring = a.ring();
        ring.publishRaw(ring.size + 5);
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
        int produced = ring.rspProd();
        assertTrue(Integer.compareUnsigned(produced, ring.size) <= 0, "the backend produced " + Integer.toUnsignedString(produced)
                + " responses on a " + ring.size + "-slot ring after req_prod = size + 5");
        assertArrayEquals(imageA, read(a.image), "the overflowing ring's image changed");
        ring.publishRaw(0xFFFF_FF00);
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        assertTrue(Integer.compareUnsigned(ring.rspProd(), ring.size) <= 0, "responses beyond the ring after req_prod = 0xFFFFFF00");
        Page w = dataPage(b, true, 18);
        long id = id();
        b.ring().putDirect(WRITE, 1, id, 900, new Seg(w.ref, 0, 7));
        b.ring().push();
        Response r = single(b.ring());
        assertEquals(OKAY, r.status(), "another device of the same frontend after the overflow");
        assertArrayEquals(guest.page(w.gfn), Arrays.copyOfRange(imageAfterFlush(b, b.ring()), 900 * SECTOR, 908 * SECTOR),
                "its WRITE");
        assertReadWorks(b, b.ring(), 900, "the other device's overflow");
    }

    // ------------------------------------------------------------------------------------------ BLK-19

    /**
     * Rule {@linkplain BlockRules BLK-19}: closing the device releases every mapping.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the disconnect path stops the workers first, then unmaps the ring pages, the persistent grants and any
     *       mapping held by a request still in flight;</li>
     *   <li>a request answered with an error unmapped whatever it had mapped before failing;</li>
     *   <li>the live-mapping counter is decremented on every unmap path.</li>
     * </ul>
     */
    @Test
    public void required_BLK_19_closeReleasesEveryMapping() {
        boolean counted = backend.capabilities().contains(BlockCapability.LIVE_MAPPING_COUNT);
        long before = counted ? backend.liveMappings() : 0;
        Path image = newImage();
        long offered = number(open(image, false).backendKeys(), "max-ring-page-order", 0);
        persistent = number(sessions.getLast().backendKeys(), "feature-persistent", 0) == 1;
        Device d = connect(image, false, (int) Math.min(offered, 2), 1);
        persistent = false;
        FrontendRing ring = d.ring();
        Page w = dataPage(d, true, 19);
        Page r = page(d, false, MARKER);
        Page ro = page(d, true, MARKER);
        ring.putDirect(WRITE, 1, id(), 10, new Seg(w.ref, 0, 7));
        ring.putDirect(READ, 1, id(), 10, new Seg(r.ref, 0, 7));
        ring.putDirect(READ, 2, id(), 10, new Seg(r.ref, 0, 3), new Seg(ro.ref, 0, 7));
        ring.push();
        ring.await(3, responseTimeout());
        // requests still in flight when the frontend closes
        for (int i = 0; i < 4; i++) {
            ring.putDirect(WRITE, 1, id(), 20 + 8L * i, new Seg(w.ref, 0, 7));
        }
        ring.push();
        for (BlockDeviceSession s : sessions) {
            s.close();
        }
        assertNoBusyEntries("after every device was closed");
        for (int ref : ring.refs) {
            assertTrue(guest.revoke(ref), "the frontend cannot revoke its ring page grant " + ref + " after close");
        }
        if (counted) {
            assertEquals(before, backend.liveMappings(), "the backend's live grant mappings after close");
        }
    }

    // ------------------------------------------------------------------------------------------ BLK-20

    /**
     * Rule {@linkplain BlockRules BLK-20}: a discard changes nothing outside its range.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the range is {@code sector_number .. sector_number + nr_sectors - 1}, checked against the disk size
     *       without overflow before anything is punched or zeroed;</li>
     *   <li>a hole punch or zeroing is not rounded outwards to the discard granularity or to pages (round
     *       inwards, or zero the partial ends);</li>
     *   <li>{@code nr_sectors} is a 64-bit count: bound the work it can cause by the disk size.</li>
     * </ul>
     */
    @Test
    public void optional_BLK_20_discardChangesNothingOutsideItsRange() {
        Device d = connect();
        Assumptions.assumeTrue(number(d.keys, "feature-discard", 0) == 1, "feature-discard not offered");
        FrontendRing ring = d.ring();
        long n = sectors(d);
        long[][] inside = {{777, 3}, {1024, 64}, {n - 8, 8}};
        for (long[] c : inside) {
            byte[] before = read(d.image);
            long id = id();
            ring.putDiscard(id, c[0], c[1]);
            ring.push();
            Response r = single(ring);
            assertEquals(id, r.id(), "discard response id");
            assertTrue(r.status() == OKAY || r.status() == EOPNOTSUPP, "a discard of sectors " + c[0] + " + " + c[1]
                    + " inside the disk must be OKAY or EOPNOTSUPP: " + r.status());
            byte[] after = imageAfterFlush(d, ring);
            int from = (int) c[0] * SECTOR;
            int to = (int) (c[0] + c[1]) * SECTOR;
            for (int i = 0; i < after.length; i++) {
                boolean in = i >= from && i < to && r.status() == OKAY;
                if (after[i] != before[i] && !(in && after[i] == 0)) {
                    fail("discard of sectors " + c[0] + " + " + c[1] + " changed byte " + i + " (sector " + i / SECTOR
                            + ") from " + before[i] + " to " + after[i]);
                }
            }
        }
        long[][] outside = {{n - 2, 4}, {n, 1}, {-8, 16}, {0, -1}};
        for (long[] c : outside) {
            long id = id();
            assertRefused(d, "DISCARD of sectors " + Long.toUnsignedString(c[0]) + " + " + Long.toUnsignedString(c[1])
                    + " on a " + n + "-sector disk", () -> ring.putDiscard(id, c[0], c[1]), id);
        }
    }

    // ------------------------------------------------------------------------------------------ BLK-21

    /**
     * Rule {@linkplain BlockRules BLK-21}: a frontend destroyed mid-I/O leaves no mapping.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>closing a device unmaps its ring pages and every in-flight request's pages even when the frontend
     *       domain is gone (the unmap is what lets the hypervisor finish destroying it);</li>
     *   <li>a worker that fails on a dead frontend's memory still releases what it mapped;</li>
     *   <li>the device's event channel is closed even though the remote end is gone.</li>
     * </ul>
     */
    @Test
    public void optional_BLK_21_frontendDestroyedMidIoLeavesNoMapping() {
        Assumptions.assumeTrue(backend.capabilities().contains(BlockCapability.LIVE_MAPPING_COUNT),
                "LIVE_MAPPING_COUNT not declared");
        long before = backend.liveMappings();
        DomainUnderTest other = hypervisor.createDomain(new DomainConfig(FRONTEND_FRAMES, 1, false));
        FrontendGuest g = new FrontendGuest(other, FRONTEND_FRAMES - RESERVED_TOP_FRAMES);
        BlockDeviceSession dying = backend.open(other, newImage(), false);
        sessions.add(dying);
        int order = (int) Math.min(number(dying.backendKeys(), "max-ring-page-order", 0), 2);
        FrontendRing ring = new FrontendRing(g, dying.backendDomid(), order);
        BlockDeviceSession.ConnectResult r = dying.connect(ringKeys(new FrontendRing[] {ring}, false));
        assertTrue(r.connected(), "the second frontend's device: " + r);
        for (int i = 0; i < 16; i++) {
            long gfn = g.allocFrames(1);
            boolean write = i % 2 == 0;
            int ref = g.grant(dying.backendDomid(), gfn, write);
            ring.putDirect(write ? WRITE : READ, 1, id(), 8L * i, new Seg(ref, 0, 7));
        }
        ring.push();
        hypervisor.destroyDomain(other);
        dying.close();
        long deadline = System.nanoTime() + responseTimeout().toNanos();
        while (backend.liveMappings() != before && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
        }
        assertEquals(before, backend.liveMappings(), "the backend's live grant mappings after the frontend domain "
                + "was destroyed mid-I/O and its device closed");
        Device d = connect();
        assertReadWorks(d, d.ring(), 5, "another frontend's destruction");
    }

    /**
     * The frontend domain the kit created for this test (for subclasses that add their own checks).
     *
     * @return the domain
     */
    protected final DomainUnderTest frontendDomain() {
        return domain;
    }
}
