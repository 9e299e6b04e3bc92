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
 * The first part of {@link BlockBackendVerification}: the handshake and the requests a backend must refuse
 * ({@code BLK-01} .. {@code BLK-11}). Extend {@link BlockBackendVerification}, not this class; the split only keeps
 * each part readable.
 */
public abstract class BlockRequestVerification extends BlockBench {
    /** For subclasses. */
    protected BlockRequestVerification() {
    }

    // ------------------------------------------------------------------------------------------ BLK-01

    /**
     * Rule {@linkplain BlockRules BLK-01}: the backend's keys at InitWait.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>every key is written before the state switches to InitWait (2), not at connect;</li>
     *   <li>{@code sectors} is the file size divided by 512, {@code sector-size} is 512;</li>
     *   <li>{@code info} carries VDISK_READONLY (4) for mode {@code r} and not for mode {@code w};</li>
     *   <li>numbers are plain unsigned decimals (no sign, no hex, no spaces).</li>
     * </ul>
     */
    @Test
    public void required_BLK_01_keysPublishedBeforeInitWait() {
        Path image = newImage();
        Map<String, String> rw = open(image, false).backendKeys();
        assertEquals(BlockBackendVerification.IMAGE_BYTES / SECTOR, number(rw, "sectors", -1), "sectors of a " + BlockBackendVerification.IMAGE_BYTES + "-byte image: " + rw);
        assertEquals(SECTOR, number(rw, "sector-size", -1), "sector-size: " + rw);
        assertEquals(0, number(rw, "info", -1) & 4, "info of a writable device must not have VDISK_READONLY: " + rw);
        for (String key : List.of("max-ring-page-order", "multi-queue-max-queues", "feature-flush-cache",
                "feature-max-indirect-segments", "feature-persistent", "feature-discard", "physical-sector-size")) {
            number(rw, key, 0);
        }
        assertTrue(number(rw, "max-ring-page-order", 0) <= 16, "max-ring-page-order: " + rw);
        Map<String, String> ro = open(newImage(), true).backendKeys();
        assertEquals(4, number(ro, "info", -1) & 4, "info of a read-only device must have VDISK_READONLY (4): " + ro);
    }

    // ------------------------------------------------------------------------------------------ BLK-02

    /**
     * Rule {@linkplain BlockRules BLK-02}: a frontend asking for more than offered is refused.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>ring-page-order is compared with the offered max-ring-page-order before any ring-refN is read;</li>
     *   <li>multi-queue-num-queues of 0 or above multi-queue-max-queues is refused;</li>
     *   <li>a missing ring-ref or event-channel, or a protocol other than x86_64-abi (or the native one), is
     *       refused with an {@code error} node, and the device ends Closed, never Connected.</li>
     * </ul>
     */
    @Test
    public void required_BLK_02_frontendAskingMoreThanOfferedIsRefused() {
        Path image = newImage();
        Map<String, String> offered = open(image, false).backendKeys();
        long maxOrder = number(offered, "max-ring-page-order", 0);
        long maxQueues = Math.max(1, number(offered, "multi-queue-max-queues", 1));
        Map<String, Map<String, String>> cases = new LinkedHashMap<>();
        if (maxOrder < 8) {
            FrontendRing big = new FrontendRing(guest, sessions.getLast().backendDomid(), (int) maxOrder + 1);
            cases.put("ring-page-order " + (maxOrder + 1) + " above the offered " + maxOrder,
                    ringKeys(new FrontendRing[] {big}, false));
        }
        int backendDomid = sessions.getLast().backendDomid();
        FrontendRing[] many = new FrontendRing[(int) Math.min(maxQueues + 1, 9)];
        for (int q = 0; q < many.length; q++) {
            many[q] = new FrontendRing(guest, backendDomid, 0);
        }
        if (maxQueues < 9) {
            cases.put("multi-queue-num-queues " + many.length + " above the offered " + maxQueues, ringKeys(many, true));
        }
        FrontendRing one = new FrontendRing(guest, backendDomid, 0);
        Map<String, String> zero = ringKeys(new FrontendRing[] {one}, true);
        zero.put("multi-queue-num-queues", "0");
        cases.put("multi-queue-num-queues 0", zero);
        Map<String, String> noRef = ringKeys(new FrontendRing[] {one}, false);
        noRef.remove("ring-ref");
        cases.put("no ring-ref", noRef);
        Map<String, String> noPort = ringKeys(new FrontendRing[] {one}, false);
        noPort.remove("event-channel");
        cases.put("no event-channel", noPort);
        Map<String, String> proto = ringKeys(new FrontendRing[] {one}, false);
        proto.put("protocol", "pvkit-bogus-abi");
        cases.put("protocol pvkit-bogus-abi", proto);
        for (Map.Entry<String, Map<String, String>> c : cases.entrySet()) {
            BlockDeviceSession s = open(image, false);
            BlockDeviceSession.ConnectResult r = s.connect(c.getValue());
            assertFalse(r.connected(), c.getKey() + ": the backend connected (frontend keys " + c.getValue().keySet() + ")");
            assertEquals(BlockDeviceSession.STATE_CLOSED, r.state(), c.getKey() + ": the backend must end Closed");
            s.close();
        }
        Device good = connect(image, false, 0, 1);
        assertReadWorks(good, good.ring(), 3, "the refused frontends");
    }

    // ------------------------------------------------------------------------------------------ BLK-03

    /**
     * Rule {@linkplain BlockRules BLK-03}: a multi-page ring is served over all of its slots.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>all {@code ring-refN} are mapped, in order, into one ring of {@code 2^order} pages;</li>
     *   <li>the ring size is {@code __RING_SIZE} of the whole area (not of one page): 32 slots for order 0,
     *       64, 128, 256, 512 for orders 1..4;</li>
     *   <li>slots that straddle a page boundary are copied whole.</li>
     * </ul>
     */
    @Test
    public void required_BLK_03_multiPageRingServedOverAllSlots() {
        Path image = newImage();
        long offered = number(open(image, false).backendKeys(), "max-ring-page-order", 0);
        int order = (int) Math.min(offered, 4);
        Device d = connect(image, false, order, 1);
        FrontendRing ring = d.ring();
        int pages = 16;
        Page[] ps = new Page[pages];
        for (int i = 0; i < pages; i++) {
            ps[i] = page(d, false, MARKER);
        }
        byte[] img = read(image);
        for (int round = 0; round < 2; round++) {
            long[] ids = new long[ring.size];
            for (int i = 0; i < ring.size; i++) {
                ids[i] = id();
                // request i reads sector i into sector (i % 8) of page (i / 8) % pages
                int in = i % 8;
                ring.putDirect(READ, 1, ids[i], i + round * 7L, new Seg(ps[(i / 8) % pages].ref, in, in));
                if (i % 8 == 7 || i == ring.size - 1) {
                    ring.push();
                    List<Response> rs = ring.await((i % 8) + 1, responseTimeout());
                    for (int k = 0; k < rs.size(); k++) {
                        int j = i - (i % 8) + k;
                        assertEquals(ids[j], rs.get(k).id(), "ring order " + order + " (" + ring.size + " slots), slot " + j);
                        assertEquals(OKAY, rs.get(k).status(), "ring order " + order + ", slot " + j);
                        long sector = j + round * 7L;
                        byte[] got = guest.page(ps[(j / 8) % pages].gfn);
                        assertArrayEquals(Arrays.copyOfRange(img, (int) sector * SECTOR, (int) sector * SECTOR + SECTOR),
                                Arrays.copyOfRange(got, (j % 8) * SECTOR, (j % 8) * SECTOR + SECTOR),
                                "ring order " + order + ", slot " + j + ": bytes read");
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ BLK-04

    /**
     * Rule {@linkplain BlockRules BLK-04}: every queue on its own ring; responses on the request's ring.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>{@code queue-N/ring-ref} and {@code queue-N/event-channel} are read per queue, and the top-level
     *       keys are not used when {@code multi-queue-num-queues} is present;</li>
     *   <li>each queue's worker binds its own port and answers on its own ring;</li>
     *   <li>a notification on queue N wakes queue N's worker (not only queue 0's).</li>
     * </ul>
     */
    @Test
    public void optional_BLK_04_multiQueueEachQueueOnItsOwnRing() {
        Path image = newImage();
        long max = number(open(image, false).backendKeys(), "multi-queue-max-queues", 1);
        Assumptions.assumeTrue(max >= 2, "the backend offers no multi-queue (multi-queue-max-queues " + max + ")");
        int n = (int) Math.min(max, 4);
        Device d = connect(image, false, 0, n);
        for (int q = n - 1; q >= 0; q--) {
            Page p = page(d, false, MARKER);
            long id = 0x7000_0000L + q;
            d.rings[q].putDirect(READ, 1, id, q, new Seg(p.ref, 0, 0));
            d.rings[q].push();
            Response r = d.rings[q].awaitOne(responseTimeout());
            assertEquals(id, r.id(), "queue " + q + " answers its own request");
            assertEquals(OKAY, r.status(), "queue " + q);
            for (int o = 0; o < n; o++) {
                if (o != q) {
                    assertEquals(0, d.rings[o].unconsumed(), "a request on queue " + q + " was answered on queue " + o);
                }
            }
        }
        for (int q = 0; q < n; q++) {
            assertReadWorks(d, d.rings[q], 40 + q, "multi-queue traffic");
        }
    }

    // ------------------------------------------------------------------------------------------ BLK-05

    /**
     * Rule {@linkplain BlockRules BLK-05}: an unknown operation is refused with the request's id.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the operation is switched on from the private copy of the request, with a default branch that
     *       answers BLKIF_RSP_EOPNOTSUPP or BLKIF_RSP_ERROR (not nothing, not a crash of the worker);</li>
     *   <li>the default branch maps no grant and writes nothing.</li>
     * </ul>
     */
    @Test
    public void required_BLK_05_unknownOperationRefusedWithItsId() {
        Device d = connect();
        for (int op : new int[] {BlkifOp.RESERVED_1.code(), 7, 0x80, 0xFF}) {
            Page p = page(d, false, MARKER);
            long id = id();
            assertRefused(d, "operation " + op, Set.of(ERROR, EOPNOTSUPP),
                    () -> d.ring().putDirect(op, 1, id, 8, new Seg(p.ref, 0, 7)), id, p);
        }
    }

    // ------------------------------------------------------------------------------------------ BLK-06

    /**
     * Rule {@linkplain BlockRules BLK-06}: a sector range past the end of the disk is refused.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>the end sector is {@code sector_number} plus the sum of the segments' sector counts, computed without
     *       overflow (an unsigned 64-bit sector_number near 2^64 wraps);</li>
     *   <li>the comparison is with the disk's size in sectors ({@code end > sectors} is an error);</li>
     *   <li>the check runs before any data is moved.</li>
     * </ul>
     */
    @Test
    public void required_BLK_06_sectorPastEndRefused() {
        Device d = connect();
        long n = sectors(d);
        long[][] cases = {{WRITE, n - 1, 1}, {WRITE, n, 0}, {READ, n - 1, 1}, {READ, n + 100, 0},
            {WRITE, -4, 7}, {READ, Long.MAX_VALUE, 0}};
        for (long[] c : cases) {
            Page p = c[0] == WRITE ? dataPage(d, true, c[1]) : page(d, false, MARKER);
            long id = id();
            assertRefused(d, (c[0] == WRITE ? "WRITE" : "READ") + " of sectors " + Long.toUnsignedString(c[1]) + ".."
                    + Long.toUnsignedString(c[1] + c[2]) + " on a " + n + "-sector disk",
                    () -> d.ring().putDirect((int) c[0], 1, id, c[1], new Seg(p.ref, 0, (int) c[2])), id, p);
        }
    }

    // ------------------------------------------------------------------------------------------ BLK-07

    /**
     * Rule {@linkplain BlockRules BLK-07}: segments with a bad sector range are refused.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>{@code first_sect <= last_sect} and {@code last_sect <= 7} are checked for every segment, as unsigned
     *       bytes, before any segment is read or written;</li>
     *   <li>a bad second segment fails the whole request (the first segment's data is not written).</li>
     * </ul>
     */
    @Test
    public void required_BLK_07_badSegmentRangeRefused() {
        Device d = connect();
        int[][] segs = {{3, 2}, {0, 8}, {8, 9}, {0, 0xFF}, {0xF0, 0xFF}};
        for (int[] s : segs) {
            for (int op : new int[] {WRITE, READ}) {
                Page good = op == WRITE ? dataPage(d, true, s[0]) : page(d, false, MARKER);
                Page bad = op == WRITE ? dataPage(d, true, s[1]) : page(d, false, MARKER);
                long id = id();
                assertRefused(d, (op == WRITE ? "WRITE" : "READ") + " whose second segment has first_sect " + s[0]
                        + ", last_sect " + s[1],
                        () -> d.ring().putDirect(op, 2, id, 64, new Seg(good.ref, 0, 7), new Seg(bad.ref, s[0], s[1])),
                        id, good, bad);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ BLK-08

    /**
     * Rule {@linkplain BlockRules BLK-08}: a bad segment count is refused.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>{@code nr_segments} is read once from the private copy and checked against 1..11 for READ and WRITE
     *       (0 is allowed only for a flush);</li>
     *   <li>no segment beyond the 11 a slot holds is ever read (that is the next slot, or past the ring).</li>
     * </ul>
     */
    @Test
    public void required_BLK_08_badSegmentCountRefused() {
        Device d = connect();
        for (int op : new int[] {WRITE, READ}) {
            for (int nseg : new int[] {0, 12, 0xFF}) {
                Seg[] segs = new Seg[BlkifRequestLayout.MAX_SEGMENTS_PER_REQUEST];
                Page[] pages = new Page[segs.length];
                for (int i = 0; i < segs.length; i++) {
                    pages[i] = op == WRITE ? dataPage(d, true, i) : page(d, false, MARKER);
                    segs[i] = new Seg(pages[i].ref, 0, 7);
                }
                long id = id();
                assertRefused(d, (op == WRITE ? "WRITE" : "READ") + " with nr_segments " + nseg,
                        () -> d.ring().putDirect(op, nseg, id, 128, segs), id, pages);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ BLK-09

    /**
     * Rule {@linkplain BlockRules BLK-09}: grant references not granted to the backend are refused.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>every segment's map or copy status is checked, and any failure fails the whole request before (or
     *       instead of) writing the image;</li>
     *   <li>the backend maps as itself (its own domid), so an entry granted to another domain fails;</li>
     *   <li>a reference beyond the frontend's table is an error, not an exception that kills the worker.</li>
     * </ul>
     */
    @Test
    public void required_BLK_09_refNotGrantedToBackendRefused() {
        Device d = connect();
        int other = d.backendDomid == 0 ? 0x7000 : d.backendDomid + 0x100;
        for (int op : new int[] {WRITE, READ}) {
            Page granted = op == WRITE ? dataPage(d, true, 9) : page(d, false, MARKER);
            long otherGfn = guest.allocFrames(1);
            guest.fillPage(otherGfn, MARKER);
            int toOther = guest.grant(other, otherGfn, false);
            Page otherPage = new Page(otherGfn, toOther);
            int empty = guest.allocRef();
            String name = op == WRITE ? "WRITE" : "READ";
            Map<String, Integer> refs = new LinkedHashMap<>();
            refs.put("an empty grant entry", empty);
            refs.put("an entry granted to domain " + other, toOther);
            refs.put("a reference beyond the grant table", 0x7FFF_FFF0);
            refs.put("reference 0xFFFFFFFF", -1);
            for (Map.Entry<String, Integer> e : refs.entrySet()) {
                long id = id();
                // a refused READ may have filled its valid first segment (a grant-copy backend copies segment by
                // segment, as QEMU's does; the rule is about the image and pages not granted to the backend), so
                // only a WRITE's source page is checked along with the other domain's page
                Runnable put = () -> d.ring().putDirect(op, 2, id, 200, new Seg(granted.ref, 0, 7),
                        new Seg(e.getValue(), 0, 7));
                if (op == WRITE) {
                    assertRefused(d, name + " whose second segment names " + e.getKey(), put, id, granted, otherPage);
                } else {
                    assertRefused(d, name + " whose second segment names " + e.getKey(), put, id, otherPage);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ BLK-10

    /**
     * Rule {@linkplain BlockRules BLK-10}: a READ into a read-only grant is refused.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>a READ maps (or copies into) its pages writable, so the hypervisor refuses a read-only grant, and
     *       the refusal fails the request;</li>
     *   <li>a WRITE maps read-only (GNTMAP_readonly), a READ never does.</li>
     * </ul>
     */
    @Test
    public void required_BLK_10_readIntoReadOnlyGrantRefused() {
        Device d = connect();
        Page ro = page(d, true, MARKER);
        long id = id();
        assertRefused(d, "READ into a read-only grant", () -> d.ring().putDirect(READ, 1, id, 300, new Seg(ro.ref, 0, 7)),
                id, ro);
        Page rw = page(d, false, MARKER);
        Page ro2 = page(d, true, MARKER);
        long id2 = id();
        assertRefused(d, "READ whose second segment is a read-only grant",
                () -> d.ring().putDirect(READ, 2, id2, 300, new Seg(rw.ref, 0, 7), new Seg(ro2.ref, 0, 7)), id2, ro2);
    }

    // ------------------------------------------------------------------------------------------ BLK-11

    /**
     * Rule {@linkplain BlockRules BLK-11}: a WRITE to a read-only device is refused.
     *
     * <p>If this fails, check:
     * <ul>
     *   <li>mode {@code r} opens the file read-only and every WRITE (direct or indirect) is answered
     *       BLKIF_RSP_ERROR before any grant is touched;</li>
     *   <li>READs of the same device still work.</li>
     * </ul>
     */
    @Test
    public void required_BLK_11_writeToReadOnlyDeviceRefused() {
        Device d = connect(newImage(), true, 0, 1);
        Page p = dataPage(d, true, 11);
        long id = id();
        assertRefused(d, "WRITE to a read-only device", () -> d.ring().putDirect(WRITE, 1, id, 5, new Seg(p.ref, 0, 7)),
                id, p);
    }
}
