package io.pvkit.cli.system;

import static io.pvkit.cli.system.SystemAssertions.assertCountsReturnTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.platform.ShutdownReason;
import io.pvkit.guest.GuestOptions;
import io.pvkit.guest.ReferenceGuest;
import io.pvkit.guest.block.BlockFeatures;
import io.pvkit.guest.block.BlockPattern;
import io.pvkit.guest.block.BlockStats;
import io.pvkit.hypervisor.DiskConfig;
import io.pvkit.hypervisor.Domain;
import io.pvkit.hypervisor.DomainConfig;
import io.pvkit.hypervisor.DomainInfo;
import io.pvkit.hypervisor.Hypervisor;
import io.pvkit.hypervisor.HypervisorConfig;
import io.pvkit.hypervisor.MemoryBacking;
import io.pvkit.hypervisor.ResourceCounts;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The PV block device end to end: a reference guest's blkfront against domain 0's blkback over the reference
 * hypervisor, serving a real image file; after the guest powered off, the image file is read directly and every
 * byte of the last pass compared with the pattern, for random and sequential workloads and every feature on and
 * off (indirect segments, multi-page rings, multiple queues, persistent grants, flush).
 */
@Timeout(240)
class BlockSystemTest {

    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(150);
    private static final long FRAMES = 1024;            // 4 MiB per guest
    private static final long DISK = 4L << 20;          // 4 MiB image

    @TempDir
    Path dir;

    private final List<String> console = new CopyOnWriteArrayList<>();

    private Path image(String name) throws IOException {
        Path p = dir.resolve(name + ".img");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(DISK);
        }
        return p;
    }

    private static ReferenceGuest guest() {
        return ReferenceGuest.entryPoint(GuestOptions.builder().rounds(10).build());
    }

    private static long differingBytes(Path image, BlockPattern p) throws IOException {
        return p.verifyImage(image).blocksDiffering();
    }


    /** Boots one guest with a disk and the given workload words, waits for poweroff, checks the image file. */
    private BlockStats runOne(Hypervisor hv, String name, String words) throws Exception {
        Path img = image(name);
        ReferenceGuest g = guest();
        Domain d = hv.createDomain(new DomainConfig(name, FRAMES, 1, false, g, words, new MemoryBacking.Arena())
                .withDisks(List.of(DiskConfig.writable(img))));
        assertTrue(d.awaitShutdown(SHUTDOWN_WAIT), name + " did not shut down: " + d.info() + " " + g.stats());
        DomainInfo info = d.info();
        assertNull(info.crash(), () -> name + " crashed: " + info.crash() + "; console: " + console);
        assertEquals(ShutdownReason.POWEROFF, info.shutdownReason(), () -> name + ": " + g.stats() + " " + console);
        hv.destroyDomain(d.domid());
        BlockStats b = g.stats().block();
        BlockPattern p = b.pattern();
        assertNotNull(p, name + " completed no pass: " + b);
        assertEquals(DISK / p.blockSize(), p.blocks(), "the pass covers the whole disk");
        assertEquals(0, b.verifyMismatches(), "blocks the guest read back wrong");
        assertEquals(0, differingBytes(img, p), "blocks of the image file that differ from what the guest wrote");
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "pvkit.blk.pattern=random pvkit.blk.bs=16384",
        "pvkit.blk.pattern=sequential pvkit.blk.bs=65536",
        "pvkit.blk.indirect=off pvkit.blk.bs=4096 pvkit.blk.ringorder=0 pvkit.blk.queues=1 pvkit.blk.persistent=off "
                + "pvkit.blk.flush=off",
        "pvkit.blk.indirect=on pvkit.blk.bs=262144 pvkit.blk.ringorder=2 pvkit.blk.queues=2 pvkit.blk.persistent=on",
        "pvkit.blk.indirect=off pvkit.blk.bs=45056 pvkit.blk.ringorder=4 pvkit.blk.queues=4 pvkit.blk.persistent=on "
                + "pvkit.blk.qd=64",
        "pvkit.blk.indirect=on pvkit.blk.bs=8192 pvkit.blk.ringorder=1 pvkit.blk.queues=3 pvkit.blk.persistent=off "
                + "pvkit.blk.qd=1"
    })
    void everyByteReachesTheImageFile(String words) throws Exception {
        try (Hypervisor hv = Hypervisor.start(new HypervisorConfig(dir, console::add))) {
            ResourceCounts before = hv.counts();
            BlockStats b = runOne(hv, "g", "pvkit.blk=on pvkit.blk.passes=2 " + words);
            assertEquals(2, b.passes());
            BlockFeatures f = b.features();
            assertNotNull(f, "negotiated features");
            assertEquals(DISK / 512, f.sectors());
            if (words.contains("ringorder=0")) {
                assertEquals(0, f.ringPageOrder());
            }
            if (words.contains("queues=4")) {
                assertEquals(4, f.queues(), "4 queues asked, the backend offers 4");
            }
            if (words.contains("indirect=off")) {
                assertEquals(0, f.maxIndirectSegments(), "indirect off: no indirect segments used");
            }
            if (words.contains("persistent=off")) {
                assertTrue(!f.persistent(), "persistent grants off");
            }
            assertCountsReturnTo(before, hv);
        }
    }

    @Test
    void threeGuestsAtOnceEachFindOnlyTheirOwnData() throws Exception {
        try (Hypervisor hv = Hypervisor.start(new HypervisorConfig(dir, console::add))) {
            ResourceCounts before = hv.counts();
            List<ReferenceGuest> gs = List.of(guest(), guest(), guest());
            List<Path> imgs = List.of(image("a"), image("b"), image("c"));
            List<Domain> ds = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ds.add(hv.createDomain(new DomainConfig("g" + i, FRAMES, 1, false, gs.get(i),
                        "pvkit.blk=on pvkit.blk.passes=1", new MemoryBacking.Arena())
                        .withDisks(List.of(DiskConfig.writable(imgs.get(i))))));
            }
            for (int i = 0; i < 3; i++) {
                Domain d = ds.get(i);
                assertTrue(d.awaitShutdown(SHUTDOWN_WAIT), d.info() + " " + gs.get(i).stats());
                assertEquals(ShutdownReason.POWEROFF, d.info().shutdownReason(), () -> d.info() + " " + console);
            }
            for (Domain d : ds) {
                hv.destroyDomain(d.domid());
            }
            for (int i = 0; i < 3; i++) {
                BlockPattern p = gs.get(i).stats().block().pattern();
                assertNotNull(p);
                assertEquals(0, differingBytes(imgs.get(i), p), "guest " + i + "'s image");
                for (int j = 0; j < 3; j++) {
                    if (j != i) {
                        assertTrue(differingBytes(imgs.get(j), p) > 0, "guest " + i + "'s data is not in image " + j);
                    }
                }
            }
            assertCountsReturnTo(before, hv);
        }
    }
}
