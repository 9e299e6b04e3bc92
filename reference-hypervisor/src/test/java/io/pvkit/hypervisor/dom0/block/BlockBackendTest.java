package io.pvkit.hypervisor.dom0.block;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.xenstore.XsdSockmsgType;
import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.ResourceCounts;
import io.pvkit.hypervisor.dom0.block.BlkTestFrontend.Response;
import io.pvkit.hypervisor.dom0.block.BlkTestFrontend.Seg;
import io.pvkit.hypervisor.dom0.xenstore.WireClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The block backend end to end: a real hypervisor, a real image file in a temporary directory, and a
 * frontend driven by the test as the guest ({@link BlkTestFrontend}). Every data test checks the image file
 * byte for byte (read with {@link Files#readAllBytes}, independent of the backend) and the bytes that come
 * back into guest memory.
 */
class BlockBackendTest {
    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final int DISK_BYTES = 4 << 20;
    private static final int DEVID = 51712;

    @TempDir
    Path dir;
    private Hypervisor hv;
    private final List<String> console = new CopyOnWriteArrayList<>();
    private final Random random = new Random(12);

    @BeforeEach
    void start() {
        hv = Hypervisor.start(new HypervisorConfig(null, console::add));
    }

    @AfterEach
    void close() {
        if (hv != null) {
            hv.close();
        }
    }

    /** An image full of seeded random bytes. */
    private Path image(String name, int bytes) throws IOException {
        byte[] content = new byte[bytes];
        random.nextBytes(content);
        return Files.write(dir.resolve(name), content);
    }

    private Domain guest(String name, List<DiskConfig> disks) {
        return hv.createDomain(DomainConfig.guest(name, 1024, null).withDisks(disks));
    }

    private byte[] randomPage() {
        byte[] b = new byte[PAGE];
        random.nextBytes(b);
        return b;
    }

    private static void assertOkay(Response r) {
        assertEquals(BlkifResponseLayout.RSP_OKAY, r.status(), "status of request " + r.id());
        assertPaddingZero(r);
    }

    private static void assertError(Response r, String what) {
        assertEquals(BlkifResponseLayout.RSP_ERROR, r.status(), what);
        assertEquals(r.ringId(), r.id(), what + ": the request's id is echoed");
        assertPaddingZero(r);
    }

    private static void assertPaddingZero(Response r) {
        byte[] raw = r.raw();
        assertEquals(0, raw[9], "padding after operation");
        for (int i = 12; i < 16; i++) {
            assertEquals(0, raw[i], "padding byte " + i);
        }
    }

    @Test
    void shouldWriteTheVbdNodesAndPublishEveryKeyBeforeInitWait() throws Exception {
        Path img = image("a.img", DISK_BYTES);
        Path ro = image("b.img", 64 * 1024);
        Domain g = guest("keys", List.of(DiskConfig.writable(img), new DiskConfig(ro, true)));
        BlkTestFrontend f = new BlkTestFrontend(hv, g, DEVID);
        f.awaitBackendState(2);
        String be = "/local/domain/0/backend/vbd/" + g.domid() + "/" + DEVID;
        assertEquals(be, f.be);
        Map<String, String> fe = Map.of("backend-id", "0", "state", "1", "virtual-device", "51712", "device-type", "disk");
        fe.forEach((k, v) -> assertEquals(v, f.read(f.fe + "/" + k), k));
        Map<String, String> back = Map.ofEntries(Map.entry("frontend", f.fe), Map.entry("frontend-id", "" + g.domid()),
                Map.entry("params", img.toAbsolutePath().toString()), Map.entry("mode", "w"), Map.entry("online", "1"),
                Map.entry("type", "file"), Map.entry("dev", "xvda"), Map.entry("max-ring-page-order", "4"),
                Map.entry("multi-queue-max-queues", "4"), Map.entry("feature-persistent", "1"),
                Map.entry("feature-flush-cache", "1"), Map.entry("feature-discard", "1"),
                Map.entry("discard-granularity", "4096"), Map.entry("discard-alignment", "0"),
                Map.entry("discard-secure", "0"), Map.entry("feature-max-indirect-segments", "256"),
                Map.entry("sector-size", "512"), Map.entry("physical-sector-size", "4096"),
                Map.entry("sectors", "" + DISK_BYTES / 512), Map.entry("info", "0"));
        back.forEach((k, v) -> assertEquals(v, f.read(be + "/" + k), k));
        assertEquals("n" + g.domid() + "\0r0\0", f.xs.ok(XsdSockmsgType.GET_PERMS, 0, f.fe + "\0"), "frontend perms");
        assertEquals("n0\0r" + g.domid() + "\0", f.xs.ok(XsdSockmsgType.GET_PERMS, 0, be + "\0"), "backend perms");
        String be2 = "/local/domain/0/backend/vbd/" + g.domid() + "/51728";
        BlkTestFrontend.await("xvdb InitWait", () -> "2".equals(f.read(be2 + "/state")));
        assertEquals("r", f.read(be2 + "/mode"));
        assertEquals("4", f.read(be2 + "/info"), "VDISK_READONLY");
        assertEquals("xvdb", f.read(be2 + "/dev"));
        assertEquals(2, hv.counts().blockDevices());
        assertEquals(2, hv.counts().blockOpenFiles());
        hv.destroyDomain(g.domid());
        try (WireClient.Socket tools = new WireClient.Socket(hv.xenstoreSocket())) {
            assertEquals("ENOENT", tools.call(XsdSockmsgType.DIRECTORY, 0, "/local/domain/0/backend/vbd/" + g.domid() + "\0")
                    .error(), "the toolstack removed the backend directories");
            assertEquals("ENOENT", tools.call(XsdSockmsgType.READ, 0, f.fe + "/state\0").error(), "and the frontend's");
        }
        assertEquals(0, hv.counts().blockDevices());
        assertEquals(0, hv.counts().blockOpenFiles());
    }

    @Test
    void shouldRoundTripDirectSegmentsByteForByte() throws Exception {
        Path img = image("rw.img", DISK_BYTES);
        Domain g = guest("rw", List.of(DiskConfig.writable(img)));
        BlkTestFrontend f = new BlkTestFrontend(hv, g, DEVID);
        f.connect(1, 0, false);
        // 11 segments, the first and last partial: sectors 3..7 of page 0, whole pages, 0..1 of the last
        long base = f.frames(11);
        Seg[] segs = new Seg[11];
        byte[][] pages = new byte[11][];
        for (int i = 0; i < 11; i++) {
            pages[i] = randomPage();
            int first = i == 0 ? 3 : 0;
            int last = i == 10 ? 1 : 7;
            segs[i] = new Seg(f.dataPage(base + i, pages[i], true), first, last);
        }
        long sector = 1001;
        byte[] before = Files.readAllBytes(img);
        assertOkay(f.submit(0, BlkTestFrontend.rw(BlkifOp.WRITE, sector, segs)));
        byte[] after = Files.readAllBytes(img);
        byte[] expected = before.clone();
        int pos = (int) sector * 512;
        for (int i = 0; i < 11; i++) {
            int off = segs[i].first() * 512;
            int len = (segs[i].last() - segs[i].first() + 1) * 512;
            System.arraycopy(pages[i], off, expected, pos, len);
            pos += len;
        }
        assertArrayEquals(expected, after, "exactly the request's sectors changed, with the guest's bytes");
        // read it back into fresh writable pages
        long back = f.frames(11);
        Seg[] rsegs = new Seg[11];
        for (int i = 0; i < 11; i++) {
            rsegs[i] = new Seg(f.dataPage(back + i, new byte[PAGE], false), segs[i].first(), segs[i].last());
        }
        assertOkay(f.submit(0, BlkTestFrontend.rw(BlkifOp.READ, sector, rsegs)));
        for (int i = 0; i < 11; i++) {
            byte[] got = new byte[PAGE];
            f.mem.read(GuestMemory.gpaOf(back + i), got, 0, PAGE);
            int off = segs[i].first() * 512;
            int len = (segs[i].last() - segs[i].first() + 1) * 512;
            assertArrayEquals(Arrays.copyOfRange(pages[i], off, off + len), Arrays.copyOfRange(got, off, off + len), "page " + i);
            assertTrue(allZero(got, 0, off) && allZero(got, off + len, PAGE), "bytes outside the segment untouched");
        }
        // the last sector of the disk works, one past it does not
        long lastSector = DISK_BYTES / 512 - 1;
        int ref = f.dataPage(f.frames(1), randomPage(), true);
        assertOkay(f.submit(0, BlkTestFrontend.rw(BlkifOp.WRITE, lastSector, new Seg(ref, 0, 0))));
        assertError(f.submit(0, BlkTestFrontend.rw(BlkifOp.WRITE, lastSector, new Seg(ref, 0, 1))), "past the end");
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void shouldKeepPersistentGrantsMappedUntilDisconnect() throws Exception {
        Path img = image("p.img", DISK_BYTES);
        Domain g = guest("persist", List.of(DiskConfig.writable(img)));
        BlkTestFrontend f = new BlkTestFrontend(hv, g, DEVID);
        f.connect(1, 0, true);
        int rings = hv.counts().blockGrantMappings();
        long pool = f.frames(4);
        int[] refs = new int[4];
        for (int i = 0; i < 4; i++) {
            refs[i] = f.dataPage(pool + i, null, false); // a persistent pool is granted read-write
        }
        byte[] expected = Files.readAllBytes(img);
        for (int round = 0; round < 3; round++) { // the same 4 references again and again, with new data
            List<MemorySegment> reqs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                byte[] p = randomPage();
                f.mem.write(GuestMemory.gpaOf(pool + i), p, 0, PAGE);
                long sector = 512 + round * 64 + i * 8L;
                System.arraycopy(p, 0, expected, (int) sector * 512, PAGE);
                f.submit(0, List.of(BlkTestFrontend.rw(BlkifOp.WRITE, sector, new Seg(refs[i], 0, 7)))).forEach(BlockBackendTest::assertOkay);
            }
            assertArrayEquals(expected, Files.readAllBytes(img), "round " + round);
            assertEquals(rings + 4, hv.counts().blockGrantMappings(), "the 4 pool pages stay mapped, once each");
        }
        for (int i = 0; i < 4; i++) {
            f.mem.fill(GuestMemory.gpaOf(pool + i), PAGE, (byte) 0);
        }
        assertOkay(f.submit(0, BlkTestFrontend.rw(BlkifOp.READ, 512 + 128, new Seg(refs[0], 0, 7), new Seg(refs[1], 2, 3))));
        byte[] got = new byte[PAGE];
        f.mem.read(GuestMemory.gpaOf(pool), got, 0, PAGE);
        assertArrayEquals(Arrays.copyOfRange(expected, (512 + 128) * 512, (512 + 128) * 512 + PAGE), got);
        // a read-only grant is no pool page: a WRITE from it is copied, a READ into it fails
        int ro = f.dataPage(f.frames(1), randomPage(), true);
        assertOkay(f.submit(0, BlkTestFrontend.rw(BlkifOp.WRITE, 0, new Seg(ro, 0, 7))));
        assertError(f.submit(0, BlkTestFrontend.rw(BlkifOp.READ, 0, new Seg(ro, 0, 7))), "READ into a read-only grant");
        assertEquals(rings + 4, hv.counts().blockGrantMappings());
        f.write(f.fe + "/state", "5");
        f.awaitBackendState(6);
        assertEquals(0, hv.counts().blockGrantMappings(), "disconnect unmapped the pool and the ring");
    }

    @Test
    void shouldMoveAPartialOneSegmentRequestStraightBetweenTheFileAndThePersistentPage() throws Exception {
        // a one-segment request in a kept mapping skips the bounce buffer: only its sectors of the page may move
        Path img = image("direct.img", DISK_BYTES);
        Domain g = guest("direct", List.of(DiskConfig.writable(img)));
        BlkTestFrontend f = new BlkTestFrontend(hv, g, DEVID);
        f.connect(1, 0, true);
        long page = f.frames(1);
        int ref = f.dataPage(page, null, false);
        byte[] expected = Files.readAllBytes(img);
        byte[] p = randomPage();
        f.mem.write(GuestMemory.gpaOf(page), p, 0, PAGE);
        // WRITE sectors 2..5 of the page to sectors 100..103
        assertOkay(f.submit(0, BlkTestFrontend.rw(BlkifOp.WRITE, 100, new Seg(ref, 2, 5))));
        System.arraycopy(p, 2 * 512, expected, 100 * 512, 4 * 512);
        assertArrayEquals(expected, Files.readAllBytes(img), "only sectors 2..5 of the page reach the file");
        // READ sectors 300..302 into sectors 1..3 of the (refilled) page: the other sectors keep their bytes
        byte[] fill = new byte[PAGE];
        Arrays.fill(fill, (byte) 0x5A);
        f.mem.write(GuestMemory.gpaOf(page), fill, 0, PAGE);
        assertOkay(f.submit(0, BlkTestFrontend.rw(BlkifOp.READ, 300, new Seg(ref, 1, 3))));
        byte[] got = new byte[PAGE];
        f.mem.read(GuestMemory.gpaOf(page), got, 0, PAGE);
        byte[] want = fill.clone();
        System.arraycopy(expected, 300 * 512, want, 512, 3 * 512);
        assertArrayEquals(want, got);
        assertEquals(1, hv.counts().blockGrantMappings() - 1, "the page is a kept mapping beside the ring");
        f.write(f.fe + "/state", "5");
        f.awaitBackendState(6);
    }

    @Test
    void shouldFlushAndDiscard() throws Exception {
        Path img = image("fd.img", DISK_BYTES);
        Domain g = guest("fd", List.of(DiskConfig.writable(img)));
        BlkTestFrontend f = new BlkTestFrontend(hv, g, DEVID);
        f.connect(1, 0, false);
        byte[] page = randomPage();
        int ref = f.dataPage(f.frames(1), page, true);
        assertOkay(f.submit(0, BlkTestFrontend.rw(BlkifOp.WRITE, 8, new Seg(ref, 0, 7))));
        Response flush = f.submit(0, BlkTestFrontend.flush());
        assertOkay(flush);
        assertEquals(BlkifOp.FLUSH_DISKCACHE.code(), flush.op(), "operation echoed");
        assertArrayEquals(page, Arrays.copyOfRange(Files.readAllBytes(img), 8 * 512, 8 * 512 + PAGE));

        byte[] before = Files.readAllBytes(img);
        Response discard = f.submit(0, BlkTestFrontend.discard(24, 40, 0));
        assertOkay(discard);
        assertEquals(BlkifOp.DISCARD.code(), discard.op());
        byte[] after = Files.readAllBytes(img);
        byte[] expected = before.clone();
        Arrays.fill(expected, 24 * 512, 64 * 512, (byte) 0);
        assertArrayEquals(expected, after, "the discarded range reads as zeroes, nothing else changed");
        assertEquals(DISK_BYTES, Files.size(img), "the file keeps its size");
        assertEquals(BlkifResponseLayout.RSP_EOPNOTSUPP, f.submit(0, BlkTestFrontend.discard(0, 8, 1)).status(),
                "secure discard is not offered");
        assertError(f.submit(0, BlkTestFrontend.discard(DISK_BYTES / 512 - 4, 5, 0)), "discard past the end");
        assertError(f.submit(0, BlkTestFrontend.discard(-1L, 1, 0)), "discard at 2^64-1");
        assertArrayEquals(after, Files.readAllBytes(img), "refused discards touched nothing");
    }

    @Test
    void shouldServeIndirectRequestsOfUpTo256Segments() throws Exception {
        Path img = image("ind.img", DISK_BYTES);
        Domain g = guest("ind", List.of(DiskConfig.writable(img)));
        BlkTestFrontend f = new BlkTestFrontend(hv, g, DEVID);
        f.connect(1, 0, true);
        long data = f.frames(256);
        Seg[] segs = new Seg[256];
        byte[] all = new byte[256 * PAGE];
        for (int i = 0; i < 256; i++) {
            byte[] p = randomPage();
            System.arraycopy(p, 0, all, i * PAGE, PAGE);
            segs[i] = new Seg(f.dataPage(data + i, p, false), 0, 7);
        }
        long ind = f.frames(1);
        int indRef = f.grant(ind, true);
        Response w = f.submit(0, f.indirect(BlkifOp.WRITE, 64, ind, indRef, segs));
        assertOkay(w);
        assertEquals(BlkifOp.INDIRECT.code(), w.op(), "an indirect request's response says INDIRECT");
        assertArrayEquals(all, Arrays.copyOfRange(Files.readAllBytes(img), 64 * 512, 64 * 512 + all.length));
        for (int i = 0; i < 256; i++) {
            f.mem.fill(GuestMemory.gpaOf(data + i), PAGE, (byte) 0);
        }
        assertOkay(f.submit(0, f.indirect(BlkifOp.READ, 64, ind, indRef, segs)));
        byte[] got = new byte[all.length];
        f.mem.read(GuestMemory.gpaOf(data), got, 0, got.length);
        assertArrayEquals(all, got, "1 MiB read back through one indirect request");
        assertError(f.submit(0, BlkTestFrontend.indirectHeader(BlkifOp.READ.code(), 0, 257, indRef)), "257 segments");
        assertError(f.submit(0, BlkTestFrontend.indirectHeader(BlkifOp.FLUSH_DISKCACHE.code(), 0, 1, indRef)), "indirect flush");
        assertError(f.submit(0, BlkTestFrontend.indirectHeader(BlkifOp.READ.code(), 0, 1, 1999)), "ungranted indirect page");
        assertError(f.submit(0, f.indirect(BlkifOp.READ, 64, ind, indRef, new Seg(segs[0].gref(), 3, 9))), "indirect last_sect 9");
        assertError(f.submit(0, f.indirect(BlkifOp.WRITE, DISK_BYTES / 512 - 8, ind, indRef, segs[0], segs[1])),
                "indirect past the end");
        assertOkay(f.submit(0, f.indirect(BlkifOp.READ, 64, ind, indRef, segs[0])));
    }

    /**
     * Domain 0 has room for 120 queues with the 32-page data buffer, not for 64 guests of 4 queues: once half of its
     * backend frames are taken, queues get the 8-page buffer, and a request larger than that buffer still moves
     * byte for byte (in several chunks).
     */
    @Test
    void shouldServeLargeRequestsOnQueuesThatGotTheSmallBuffer() throws Exception {
        int large = (int) ((Hypervisor.DOM0_FRAMES - 8) / 2 / VbdDevice.FRAMES_PER_QUEUE);   // 60 queues keep half free
        List<BlkTestFrontend> fronts = new ArrayList<>();
        for (int i = 0; i * 4 < large + 4; i++) {
            Domain g = guest("many" + i, List.of(DiskConfig.writable(image("many" + i + ".img", 1 << 20))));
            BlkTestFrontend f = new BlkTestFrontend(hv, g, DEVID);
            f.connect(4, 0, false);
            fronts.add(f);
        }
        assertEquals(fronts.size() * 4, hv.counts().blockWorkers(), "every queue connected");
        BlkTestFrontend last = fronts.getLast();
        Path img = Path.of(last.read(last.be + "/params"));
        long data = last.frames(11);
        Seg[] segs = new Seg[11];
        byte[] all = new byte[11 * PAGE];
        for (int i = 0; i < 11; i++) {
            byte[] p = randomPage();
            System.arraycopy(p, 0, all, i * PAGE, PAGE);
            segs[i] = new Seg(last.dataPage(data + i, p, false), 0, 7);
        }
        for (int q = 0; q < 4; q++) {   // 44 KiB: more than the 8-page buffer of these queues
            assertOkay(last.submit(q, BlkTestFrontend.rw(BlkifOp.WRITE, 8L * 11 * q, segs)));
            assertArrayEquals(all, Arrays.copyOfRange(Files.readAllBytes(img), 8 * 11 * q * 512, 8 * 11 * q * 512 + all.length),
                    "queue " + q + ": the image holds the 11 pages");
            for (int i = 0; i < 11; i++) {
                last.mem.fill(GuestMemory.gpaOf(data + i), PAGE, (byte) 0);
            }
            assertOkay(last.submit(q, BlkTestFrontend.rw(BlkifOp.READ, 8L * 11 * q, segs)));
            byte[] got = new byte[all.length];
            last.mem.read(GuestMemory.gpaOf(data), got, 0, got.length);
            assertArrayEquals(all, got, "queue " + q + ": read back");
        }
    }

    @Test
    void shouldServeFourQueuesWithSixteenPageRings() throws Exception {
        Path img = image("mq.img", DISK_BYTES);
        Domain g = guest("mq", List.of(DiskConfig.writable(img)));
        BlkTestFrontend f = new BlkTestFrontend(hv, g, DEVID);
        f.connect(4, 4, false);
        assertEquals(4, hv.counts().blockWorkers());
        long workerThreads = workerThreads();
        assertTrue(workerThreads >= 1 && workerThreads <= Math.min(4, BlockWorkers.fromProperty().size()),
                "4 queues are served by the shared workers (one per core), not a thread each: " + workerThreads);
        assertEquals(64, hv.counts().blockGrantMappings(), "4 queues x 16 ring pages");
        assertEquals(512, f.queues.get(0).ring.size(), "16 pages of 112-byte slots");
        // each queue writes 200 single-page requests to its own quarter of the disk, all in flight together
        byte[] expected = Files.readAllBytes(img);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        long[] bases = new long[4];
        for (int q = 0; q < 4; q++) {
            bases[q] = f.frames(200);
            List<MemorySegment> reqs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                byte[] p = randomPage();
                long sector = (long) q * (DISK_BYTES / 4 / 512) + i * 8L;
                System.arraycopy(p, 0, expected, (int) sector * 512, PAGE);
                reqs.add(BlkTestFrontend.rw(BlkifOp.WRITE, sector, new Seg(f.dataPage(bases[q] + i, p, true), 0, 7)));
            }
            int queue = q;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    f.submit(queue, reqs).forEach(BlockBackendTest::assertOkay);
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(), failures);
        assertArrayEquals(expected, Files.readAllBytes(img), "800 writes over 4 queues, byte for byte");
        f.write(f.fe + "/state", "5");
        f.awaitBackendState(6);
        BlkTestFrontend.await("workers stopped", () -> hv.counts().blockWorkers() == 0);
        assertEquals(0, workerThreads(), "a backend with no connected queue has no worker thread left");
        assertEquals(0, hv.counts().blockGrantMappings(), "Closing unmapped every ring page");
        assertEquals(1, hv.counts().blockOpenFiles(), "the image stays open until the device goes");
    }

    @Test
    void shouldAnswerEachHostileRequestWithErrorAndServeTheNextOne() throws Exception {
        Path img = image("h.img", DISK_BYTES);
        Domain g = guest("hostile", List.of(DiskConfig.writable(img)));
        Domain other = guest("other", List.of());
        BlkTestFrontend f = new BlkTestFrontend(hv, g, DEVID);
        f.connect(1, 0, false);
        long gfn = f.frames(12);
        int ro = f.dataPage(gfn, randomPage(), true);
        int rw = f.dataPage(gfn + 1, randomPage(), false);
        int toOther = f.table.grantAccess(other.domid(), gfn + 2, false);
        int[] many = new int[12];
        for (int i = 0; i < 12; i++) {
            many[i] = i < 2 ? rw : f.dataPage(gfn + i, null, false);
        }
        Seg[] eleven = new Seg[11];
        for (int i = 0; i < 11; i++) {
            eleven[i] = new Seg(many[i], 0, 7);
        }
        MemorySegment twelve = BlkTestFrontend.rw(BlkifOp.READ, 0, eleven);
        twelve.set(java.lang.foreign.ValueLayout.JAVA_BYTE, io.pvkit.abi.blkif.BlkifRequestLayout.NR_SEGMENTS_OFFSET, (byte) 12);
        MemorySegment huge = BlkTestFrontend.rw(BlkifOp.READ, 0, eleven);
        huge.set(java.lang.foreign.ValueLayout.JAVA_BYTE, io.pvkit.abi.blkif.BlkifRequestLayout.NR_SEGMENTS_OFFSET, (byte) 255);
        long end = DISK_BYTES / 512;
        Map<String, MemorySegment> hostile = new java.util.LinkedHashMap<>();
        hostile.put("bad operation 0xff", BlkTestFrontend.raw(0xFF));
        hostile.put("WRITE_BARRIER (not offered)", BlkTestFrontend.raw(BlkifOp.WRITE_BARRIER.code()));
        hostile.put("sector past the end", BlkTestFrontend.rw(BlkifOp.WRITE, end, new Seg(ro, 0, 0)));
        hostile.put("sector 2^64-1", BlkTestFrontend.rw(BlkifOp.READ, -1L, new Seg(rw, 0, 0)));
        hostile.put("first_sect > last_sect", BlkTestFrontend.rw(BlkifOp.WRITE, 0, new Seg(ro, 5, 4)));
        hostile.put("last_sect > 7", BlkTestFrontend.rw(BlkifOp.WRITE, 0, new Seg(ro, 0, 8)));
        hostile.put("ungranted ref", BlkTestFrontend.rw(BlkifOp.WRITE, 0, new Seg(1999, 0, 7)));
        hostile.put("ref granted to another domain", BlkTestFrontend.rw(BlkifOp.WRITE, 0, new Seg(toOther, 0, 7)));
        hostile.put("ref 2^32-1", BlkTestFrontend.rw(BlkifOp.READ, 0, new Seg(-1, 0, 7)));
        hostile.put("READ into a read-only grant", BlkTestFrontend.rw(BlkifOp.READ, 0, new Seg(ro, 0, 7)));
        hostile.put("12 direct segments", twelve);
        hostile.put("255 direct segments", huge);
        hostile.put("0 segments", BlkTestFrontend.rw(BlkifOp.READ, 0));
        byte[] before = Files.readAllBytes(img);
        for (Map.Entry<String, MemorySegment> e : hostile.entrySet()) {
            Response r = f.submit(0, e.getValue());
            assertError(r, e.getKey());
            int op = e.getValue().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0) & 0xFF;
            assertEquals(op, r.op(), e.getKey() + ": operation echoed");
            // the next request works
            assertOkay(f.submit(0, BlkTestFrontend.rw(BlkifOp.READ, 16, new Seg(rw, 0, 7))));
        }
        assertArrayEquals(before, Files.readAllBytes(img), "no hostile request wrote anything");
        // a write whose second segment is bad writes nothing outside its own range
        byte[] page = randomPage();
        f.mem.write(GuestMemory.gpaOf(gfn), page, 0, PAGE);
        assertError(f.submit(0, BlkTestFrontend.rw(BlkifOp.WRITE, 100, new Seg(ro, 0, 7), new Seg(1999, 0, 7))), "bad 2nd segment");
        byte[] after = Files.readAllBytes(img);
        assertArrayEquals(Arrays.copyOfRange(before, 0, 100 * 512), Arrays.copyOfRange(after, 0, 100 * 512));
        assertArrayEquals(Arrays.copyOfRange(before, 116 * 512, before.length), Arrays.copyOfRange(after, 116 * 512, after.length));
    }

    @Test
    void shouldRefuseWritesToAReadOnlyDisk() throws Exception {
        Path img = image("ro.img", 64 * 1024);
        Domain g = guest("ro", List.of(new DiskConfig(img, true)));
        BlkTestFrontend f = new BlkTestFrontend(hv, g, DEVID);
        f.connect(1, 0, false);
        int ref = f.dataPage(f.frames(1), randomPage(), false);
        byte[] before = Files.readAllBytes(img);
        assertError(f.submit(0, BlkTestFrontend.rw(BlkifOp.WRITE, 0, new Seg(ref, 0, 7))), "write to mode r");
        assertError(f.submit(0, BlkTestFrontend.discard(0, 8, 0)), "discard on mode r");
        assertOkay(f.submit(0, BlkTestFrontend.rw(BlkifOp.READ, 0, new Seg(ref, 0, 7))));
        byte[] got = new byte[PAGE];
        f.mem.read(GuestMemory.gpaOf(f.frames(0) - 1), got, 0, PAGE);
        assertArrayEquals(Arrays.copyOf(before, PAGE), got);
        assertArrayEquals(before, Files.readAllBytes(img));
    }

    @Test
    void shouldBreakOnlyTheOverflowedRingWhileAnotherGuestGoesOn() throws Exception {
        Path a = image("a.img", DISK_BYTES);
        Path b = image("b.img", DISK_BYTES);
        Domain ga = guest("evil", List.of(DiskConfig.writable(a)));
        Domain gb = guest("good", List.of(DiskConfig.writable(b)));
        BlkTestFrontend fa = new BlkTestFrontend(hv, ga, DEVID);
        BlkTestFrontend fb = new BlkTestFrontend(hv, gb, DEVID);
        fa.connect(2, 0, false);
        fb.connect(1, 0, false);
        // queue 0 of the evil guest: req_prod far beyond what the ring can hold
        fa.setRequestProducer(0, fa.requestProducer(0) + fa.queues.get(0).ring.size() + 7);
        fa.hc.send(fa.queues.get(0).port);
        BlkTestFrontend.await("the broken ring is reported", () -> console.stream().anyMatch(l -> l.contains("ring broken")));
        // its other queue still works, and so does the other guest, byte for byte
        byte[] pa = randomPage();
        assertOkay(fa.submit(1, BlkTestFrontend.rw(BlkifOp.WRITE, 0, new Seg(fa.dataPage(fa.frames(1), pa, true), 0, 7))));
        assertArrayEquals(pa, Arrays.copyOf(Files.readAllBytes(a), PAGE));
        long base = fb.frames(64);
        byte[] expected = Files.readAllBytes(b);
        List<MemorySegment> reqs = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            byte[] p = randomPage();
            System.arraycopy(p, 0, expected, i * PAGE, PAGE);
            reqs.add(BlkTestFrontend.rw(BlkifOp.WRITE, i * 8L, new Seg(fb.dataPage(base + i, p, true), 0, 7)));
        }
        fb.submit(0, reqs).forEach(BlockBackendTest::assertOkay);
        assertArrayEquals(expected, Files.readAllBytes(b));
    }

    @Test
    void shouldReconnectAfterTheFrontendClosed() throws Exception {
        Path img = image("re.img", DISK_BYTES);
        Domain g = guest("again", List.of(DiskConfig.writable(img)));
        BlkTestFrontend f = new BlkTestFrontend(hv, g, DEVID);
        f.connect(2, 1, true);
        int ref = f.dataPage(f.frames(1), randomPage(), false);
        assertOkay(f.submit(1, BlkTestFrontend.rw(BlkifOp.WRITE, 0, new Seg(ref, 0, 7))));
        f.write(f.fe + "/state", "5");
        f.awaitBackendState(6);
        f.write(f.fe + "/state", "6");
        assertEquals(0, hv.counts().blockGrantMappings());
        f.write(f.fe + "/state", "1");
        f.connect(1, 0, false);
        byte[] p = randomPage();
        int ref2 = f.dataPage(f.frames(1), p, true);
        assertOkay(f.submit(0, BlkTestFrontend.rw(BlkifOp.WRITE, 8, new Seg(ref2, 0, 7))));
        assertArrayEquals(p, Arrays.copyOfRange(Files.readAllBytes(img), 8 * 512, 8 * 512 + PAGE));
        assertEquals(1, hv.counts().blockWorkers());
        assertEquals(1, hv.counts().blockGrantMappings(), "one ring page, no stale pool mapping");
    }

    @Test
    void shouldKeepAGoodGuestCorrectBesideAFloodingHostileOne() throws Exception {
        Path a = image("flood.img", DISK_BYTES);
        Path b = image("calm.img", DISK_BYTES);
        Domain ga = guest("flood", List.of(DiskConfig.writable(a)));
        Domain gb = guest("calm", List.of(DiskConfig.writable(b)));
        BlkTestFrontend fa = new BlkTestFrontend(hv, ga, DEVID);
        BlkTestFrontend fb = new BlkTestFrontend(hv, gb, DEVID);
        fa.connect(1, 0, false);
        fb.connect(1, 0, true);
        byte[] floodBefore = Files.readAllBytes(a);
        List<MemorySegment> bad = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            bad.add(switch (i % 4) {
                case 0 -> BlkTestFrontend.raw(0x80 + (i & 0x7F));
                case 1 -> BlkTestFrontend.rw(BlkifOp.WRITE, DISK_BYTES / 512 + i, new Seg(8 + (i % 100), 0, 7));
                case 2 -> BlkTestFrontend.rw(BlkifOp.WRITE, i, new Seg(5000 + i, 0, 7));
                default -> BlkTestFrontend.indirectHeader(BlkifOp.WRITE.code(), i, 300, 9999);
            });
        }
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread flood = Thread.ofPlatform().start(() -> {
            try {
                for (Response r : fa.submit(0, bad)) {
                    assertError(r, "flood");
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        });
        long base = fb.frames(16);
        int[] pool = new int[16];
        for (int i = 0; i < 16; i++) {
            pool[i] = fb.grant(base + i, false); // a persistent pool, reused every round
        }
        byte[] expected = Files.readAllBytes(b);
        for (int round = 0; round < 8; round++) {
            List<MemorySegment> reqs = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                byte[] p = randomPage();
                fb.mem.write(GuestMemory.gpaOf(base + i), p, 0, PAGE);
                long sector = (round * 16L + i) * 8;
                System.arraycopy(p, 0, expected, (int) sector * 512, PAGE);
                reqs.add(BlkTestFrontend.rw(BlkifOp.WRITE, sector, new Seg(pool[i], 0, 7)));
            }
            fb.submit(0, reqs).forEach(BlockBackendTest::assertOkay);
        }
        flood.join();
        assertEquals(List.of(), failures);
        assertArrayEquals(expected, Files.readAllBytes(b), "the calm guest's 128 writes, byte for byte");
        assertArrayEquals(floodBefore, Files.readAllBytes(a), "3000 hostile requests wrote nothing");
    }

    @Test
    void shouldCloseTheDeviceOnAnInvalidFrontendValue() throws Exception {
        Path img = image("bad.img", 64 * 1024);
        Domain g = guest("badcfg", List.of(DiskConfig.writable(img)));
        BlkTestFrontend f = new BlkTestFrontend(hv, g, DEVID);
        f.awaitBackendState(2);
        f.write(f.fe + "/ring-page-order", "9");
        f.write(f.fe + "/ring-ref", "8");
        f.write(f.fe + "/event-channel", "5");
        f.write(f.fe + "/state", "3");
        f.awaitBackendState(6);
        String error = f.read(f.be + "/error");
        assertNotNull(error);
        assertTrue(error.contains("ring-page-order"), error);
        assertEquals(0, hv.counts().blockWorkers());
        assertEquals(0, hv.counts().blockGrantMappings());
    }

    @Test
    void shouldLeaveNothingBehindWhenTheGuestIsDestroyedMidIo() throws Exception {
        ResourceCounts before = hv.counts();
        Path img = image("d.img", DISK_BYTES);
        Domain g = guest("dies", List.of(DiskConfig.writable(img)));
        BlkTestFrontend f = new BlkTestFrontend(hv, g, DEVID);
        f.connect(2, 2, true);
        assertEquals(2, hv.counts().blockWorkers());
        assertEquals(8, hv.counts().blockGrantMappings());
        long base = f.frames(128);
        for (int q = 0; q < 2; q++) {
            for (int i = 0; i < 64; i++) {
                int ref = f.dataPage(base + q * 64 + i, randomPage(), true);
                f.queues.get(q).ring.putRequest(BlkTestFrontend.rw(BlkifOp.WRITE, (q * 64 + i) * 8L, new Seg(ref, 0, 7)));
            }
            f.queues.get(q).ring.pushRequests();
            f.hc.send(f.queues.get(q).port);
        }
        hv.destroyDomain(g.domid());
        ResourceCounts after = hv.counts();
        assertEquals(before, after, "no mapping, port, thread or file left");
        assertEquals(0, after.blockDevices());
    }

    /** Live threads of blkback's workers. */
    private static long workerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("blkback-w")).count();
    }
}
