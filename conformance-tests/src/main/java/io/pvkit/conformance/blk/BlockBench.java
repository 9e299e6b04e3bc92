package io.pvkit.conformance.blk;

import io.pvkit.abi.blkif.BlkifOp;
import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.blk.FrontendRing.Response;
import io.pvkit.conformance.blk.FrontendRing.Seg;
import io.pvkit.conformance.spi.DomainConfig;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kit's frontend bench for the block backend rules: the backend, hypervisor and frontend domain of one test,
 * the image files, the devices it connected, and the requests, pages and checks the rules share. The rules
 * themselves are in {@link BlockBackendVerification}; this class is how the kit drives a backend.
 */
abstract class BlockBench {
    static final int SECTOR = 512;
    static final int OKAY = BlkifResponseLayout.RSP_OKAY;
    static final int ERROR = BlkifResponseLayout.RSP_ERROR;
    static final int EOPNOTSUPP = BlkifResponseLayout.RSP_EOPNOTSUPP;
    static final int READ = BlkifOp.READ.code();
    static final int WRITE = BlkifOp.WRITE.code();
    static final int FLUSH = BlkifOp.FLUSH_DISKCACHE.code();
    static final int INDIRECT = BlkifOp.INDIRECT.code();
    static final byte MARKER = (byte) 0xA5;

    BlockBackendUnderTest backend;
    HypervisorUnderTest hypervisor;
    DomainUnderTest domain;
    FrontendGuest guest;
    final List<Path> files = new ArrayList<>();
    final List<BlockDeviceSession> sessions = new ArrayList<>();
    long nextId = 0x1122_3344_5566_0000L;
    /** Whether {@link #ringKeys} offers feature-persistent (BLK-19 does when the backend offers it). */
    boolean persistent;

    /** A connected device as the kit's frontend sees it. */
    final class Device {
        final BlockDeviceSession session;
        final Path image;
        final Map<String, String> keys;
        final FrontendRing[] rings;
        final int backendDomid;

        Device(BlockDeviceSession session, Path image, Map<String, String> keys, FrontendRing[] rings) {
            this.session = session;
            this.image = image;
            this.keys = keys;
            this.rings = rings;
            this.backendDomid = session.backendDomid();
        }

        FrontendRing ring() {
            return rings[0];
        }
    }


    /** The backend under test, created for each test ({@link BlockBackendVerification#createBackend()}). */
    abstract BlockBackendUnderTest createBackend();

    /** How long the kit waits ({@link BlockBackendVerification#responseTimeout()}). */
    abstract Duration responseTimeout();

    @BeforeEach
    final void setUpBackend() throws IOException {
        backend = createBackend();
        hypervisor = backend.hypervisor();
        domain = hypervisor.createDomain(new DomainConfig(BlockBackendVerification.FRONTEND_FRAMES, 1, false));
        guest = new FrontendGuest(domain, BlockBackendVerification.FRONTEND_FRAMES - BlockBackendVerification.RESERVED_TOP_FRAMES);
    }

    @AfterEach
    final void tearDownBackend() throws IOException {
        try {
            for (BlockDeviceSession s : sessions) {
                try {
                    s.close();
                } catch (RuntimeException ignored) {
                    // the check already failed or passed; the backend is closed below anyway
                }
            }
            if (backend != null) {
                backend.close();
            }
        } finally {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    // ---------------------------------------------------------------------------------------- helpers

    static byte pattern(long offset) {
        return (byte) (offset * 31 + (offset >>> 9) * 7 + 3);
    }

    Path newImage() {
        try {
            Path f = Files.createTempFile("pvkit-blk-", ".img");
            files.add(f);
            byte[] b = new byte[BlockBackendVerification.IMAGE_BYTES];
            for (int i = 0; i < b.length; i++) {
                b[i] = pattern(i);
            }
            Files.write(f, b);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(Path image) {
        try {
            return Files.readAllBytes(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long id() {
        return nextId++ ^ 0x0000_00FF_0000_0000L;
    }

    BlockDeviceSession open(Path image, boolean readOnly) {
        BlockDeviceSession s = backend.open(domain, image, readOnly);
        sessions.add(s);
        return s;
    }

    static long number(Map<String, String> keys, String key, long absent) {
        String v = keys.get(key);
        if (v == null) {
            return absent;
        }
        assertTrue(v.matches("[0-9]{1,19}"), "backend key " + key + " = '" + v + "' is not an unsigned decimal");
        return Long.parseLong(v);
    }

    Map<String, String> ringKeys(FrontendRing[] rings, boolean multi) {
        Map<String, String> k = new LinkedHashMap<>();
        for (int q = 0; q < rings.length; q++) {
            String prefix = multi ? "queue-" + q + "/" : "";
            FrontendRing r = rings[q];
            if (r.order == 0) {
                k.put(prefix + "ring-ref", Integer.toString(r.refs[0]));
            } else {
                for (int i = 0; i < r.refs.length; i++) {
                    k.put(prefix + "ring-ref" + i, Integer.toString(r.refs[i]));
                }
            }
            k.put(prefix + "event-channel", Integer.toString(r.port));
        }
        if (rings[0].order > 0) {
            k.put("ring-page-order", Integer.toString(rings[0].order));
        }
        if (multi) {
            k.put("multi-queue-num-queues", Integer.toString(rings.length));
        }
        k.put("protocol", "x86_64-abi");
        k.put("feature-persistent", persistent ? "1" : "0");
        return k;
    }

    /** Opens and connects a device with {@code queues} rings of {@code 2^order} pages; fails unless Connected. */
    Device connect(Path image, boolean readOnly, int order, int queues) {
        BlockDeviceSession s = open(image, readOnly);
        Map<String, String> keys = s.backendKeys();
        FrontendRing[] rings = new FrontendRing[queues];
        for (int q = 0; q < queues; q++) {
            rings[q] = new FrontendRing(guest, s.backendDomid(), order);
        }
        BlockDeviceSession.ConnectResult r = s.connect(ringKeys(rings, queues > 1));
        assertTrue(r.connected(), "the backend refused a well-formed frontend (order " + order + ", " + queues
                + " queue(s)): state " + r.state() + ", error '" + r.error() + "'");
        return new Device(s, image, r.backendKeys().isEmpty() ? keys : r.backendKeys(), rings);
    }

    Device connect() {
        return connect(newImage(), false, 0, 1);
    }

    /** A frame granted to the backend, filled with {@code fill}. */
    static final class Page {
        final long gfn;
        final int ref;

        Page(long gfn, int ref) {
            this.gfn = gfn;
            this.ref = ref;
        }
    }

    Page page(Device d, boolean readOnly, byte fill) {
        long gfn = guest.allocFrames(1);
        guest.fillPage(gfn, fill);
        return new Page(gfn, guest.grant(d.backendDomid, gfn, readOnly));
    }

    Page dataPage(Device d, boolean readOnly, long seed) {
        long gfn = guest.allocFrames(1);
        byte[] b = new byte[GuestMemory.PAGE_SIZE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed * 131 + i * 17 + (i >>> 9));
        }
        guest.writePage(gfn, b);
        return new Page(gfn, guest.grant(d.backendDomid, gfn, readOnly));
    }

    Response single(FrontendRing ring) {
        return ring.awaitOne(responseTimeout());
    }

    /** Reads {@code sectors} (1..8) at {@code sector} through a direct READ and checks the bytes. */
    void assertReadWorks(Device d, FrontendRing ring, long sector, String after) {
        Page p = page(d, false, MARKER);
        long id = id();
        ring.putDirect(READ, 1, id, sector, new Seg(p.ref, 0, 7));
        ring.push();
        Response r = single(ring);
        assertEquals(id, r.id(), "after " + after + ": the next request's response id");
        assertEquals(OKAY, r.status(), "after " + after + ": the next valid READ (sector " + sector + ") must be served");
        byte[] img = read(d.image);
        byte[] got = guest.page(p.gfn);
        assertArrayEquals(Arrays.copyOfRange(img, (int) sector * SECTOR, (int) sector * SECTOR + 4096), got,
                "after " + after + ": the READ returned other bytes than the image's");
    }

    /**
     * Submits one bad request (already written by {@code put}), expects an error with its id, an image and pages
     * unchanged, and the next request served.
     */
    void assertRefused(Device d, String what, Set<Integer> allowed, Runnable put, long id, Page... pages) {
        FrontendRing ring = d.ring();
        byte[] before = read(d.image);
        List<byte[]> pagesBefore = new ArrayList<>();
        for (Page p : pages) {
            pagesBefore.add(guest.page(p.gfn));
        }
        put.run();
        ring.push();
        Response r = single(ring);
        assertEquals(id, r.id(), what + ": the response must carry the request's id");
        assertTrue(allowed.contains(r.status()), what + ": status must be one of " + allowed + " but was " + r.status());
        assertArrayEquals(before, read(d.image), what + ": the image changed");
        for (int i = 0; i < pages.length; i++) {
            assertArrayEquals(pagesBefore.get(i), guest.page(pages[i].gfn), what + ": guest page " + i + " changed");
        }
        assertReadWorks(d, ring, 17, what);
    }

    void assertRefused(Device d, String what, Runnable put, long id, Page... pages) {
        assertRefused(d, what, Set.of(ERROR), put, id, pages);
    }

    void assertNoBusyEntries(String when) {
        for (int ref : guest.everGranted) {
            assertEquals(0, guest.busy(ref), when + ": grant " + ref + " still has GTF_reading/GTF_writing set");
        }
    }

    /**
     * The image as a frontend may rely on it after its writes were acknowledged: when the backend offers
     * feature-flush-cache a flush is issued first (its status is BLK-14's business), since blkif lets a backend
     * with a volatile cache answer a WRITE before the data reaches the file.
     */
    byte[] imageAfterFlush(Device d, FrontendRing ring) {
        if (number(d.keys, "feature-flush-cache", 0) == 1) {
            ring.putDirect(FLUSH, 0, id(), 0);
            ring.push();
            single(ring);
        }
        return read(d.image);
    }

    long sectors(Device d) {
        return number(d.keys, "sectors", BlockBackendVerification.IMAGE_BYTES / SECTOR);
    }

    static long copyBack(byte[] img, byte[] page, Seg seg, long sector) {
        System.arraycopy(page, seg.first() * SECTOR, img, (int) sector * SECTOR, seg.sectors() * SECTOR);
        return sector + seg.sectors();
    }


    BlockBench() {
    }
}
