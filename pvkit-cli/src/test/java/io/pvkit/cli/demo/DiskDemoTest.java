package io.pvkit.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.guest.block.BlockPattern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's disk plan, image files and their direct byte-for-byte check, on real files. */
class DiskDemoTest {

    @TempDir
    Path dir;

    private static final int BS = 4096;

    private static void writePass(Path image, BlockPattern p) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
            for (long i = 0; i < p.blocks(); i++) {
                long lba = p.lbaOf(i);
                ByteBuffer b = ByteBuffer.wrap(BlockPattern.expected(p.seed(), lba, p.blockSize()));
                while (b.hasRemaining()) {
                    ch.write(b, lba * 512 + b.position());
                }
            }
        }
    }

    @Test
    void imagesAreSparseFilesOfThePlansSizeAndAreDeletedUnlessKept() throws IOException {
        DiskPlan plan = new DiskPlan(1L << 20, dir.resolve("a"), false, false, BS, 4, 1);
        Path image;
        try (DiskImages images = new DiskImages(plan)) {
            image = images.create("guest1");
            assertEquals(1L << 20, Files.size(image));
        }
        assertFalse(Files.exists(image), "deleted without --keep");
        DiskPlan kept = new DiskPlan(1L << 20, dir.resolve("b"), true, false, BS, 4, 1);
        try (DiskImages images = new DiskImages(kept)) {
            image = images.create("guest1");
        }
        assertTrue(Files.exists(image), "kept with --keep");
    }

    @Test
    void theImageCheckPassesOnTheWrittenPatternAndFindsThreeFlippedBytes() throws IOException {
        DiskPlan plan = new DiskPlan(64L * BS, dir, true, false, BS, 4, 1);
        BlockPattern p = new BlockPattern(42, BS, 64);
        Path image;
        try (DiskImages images = new DiskImages(plan)) {
            image = images.create("guest1");
        }
        writePass(image, p);
        BlockPattern.ImageCheck good = p.verifyImage(image);
        assertTrue(good.ok(), good.toString());
        assertEquals(64, good.blocksChecked());

        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ByteBuffer one = ByteBuffer.allocate(3);
            ch.read(one, 10 * BS + 100);
            one.flip();
            for (int i = 0; i < 3; i++) {
                one.put(i, (byte) ~one.get(i));
            }
            ch.write(one, 10 * BS + 100);
        }
        BlockPattern.ImageCheck bad = p.verifyImage(image);
        assertFalse(bad.ok());
        assertEquals(1, bad.blocksDiffering());
        assertEquals(10L * BS + 100, bad.firstDifference());
        assertFalse(new BlockPattern(43, BS, 64).verifyImage(image).ok(), "another seed's data is not this pass");
    }

    @Test
    void planValidatesAndTellsTheGuestItsWorkload() {
        DiskPlan plan = new DiskPlan(16L << 20, null, false, true, 16384, 8, 3);
        assertEquals("pvkit.blk=on pvkit.blk.pattern=sequential pvkit.blk.bs=16384 pvkit.blk.qd=8 pvkit.blk.passes=3",
                plan.cmdline());
        assertEquals("16M disk, sequential 16K blocks, qd 8, 3 passes", plan.describe());
        assertThrows(IllegalArgumentException.class, () -> new DiskPlan(16L << 20, null, false, true, 1000, 8, 1));
        assertThrows(IllegalArgumentException.class, () -> new DiskPlan(5000, null, false, true, 4096, 8, 1));
        assertThrows(IllegalArgumentException.class, () -> new DiskPlan(16L << 20, null, false, true, 4096, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new DiskPlan(16L << 20, null, false, true, 4096, 8, 0));
        DemoPlan demo = new DemoPlan(2, 4L << 20, Duration.ofSeconds(5), 0, null, plan);
        assertEquals("2 guests x 4M, 5s, each with a 16M disk, sequential 16K blocks, qd 8, 3 passes", demo.describe());
        assertEquals(Duration.ofSeconds(20).plusMinutes(3), demo.deadline());
    }

    @Test
    void summaryHasADiskTableAndFailsWhenTheImageDiffers() {
        GuestReport.DiskReport good = new GuestReport.DiskReport("/tmp/g1.img", 2, 2048, 67_108_864, 30.5, 1900, 1800,
                9000, 0.6, 0, 1024, 0);
        GuestReport g1 = new GuestReport("guest1", 1, "shutdown", "poweroff", 100, 250, 900, 7, null, good);
        DemoResult ok = new DemoResult(List.of(g1), List.of());
        List<String> lines = ok.summary();
        assertTrue(lines.contains(GuestReport.DiskReport.HEADER), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("guest1          2       2048") && l.endsWith(
                "all 1024 blocks identical")), String.join("\n", lines));
        assertTrue(lines.getLast().startsWith("demo OK: 1 guest powered off by themselves, 100 round trips, 2048 blocks "
                + "verified"), lines.getLast());

        GuestReport.DiskReport differs = new GuestReport.DiskReport("/tmp/g2.img", 2, 2048, 1, 1, 1, 1, 1, 1, 0, 1024, 3);
        GuestReport g2 = new GuestReport("guest2", 2, "shutdown", "poweroff", 100, 250, 900, 7,
                "its image file differs from the data it wrote: 3 blocks, the first byte at offset 4196", differs);
        DemoResult failed = new DemoResult(List.of(g1, g2), List.of());
        assertFalse(failed.ok());
        assertTrue(failed.summary().stream().anyMatch(l -> l.endsWith("3 blocks differ")));
        assertTrue(failed.summary().getLast().startsWith("demo FAILED: guest2 its image file differs"));
    }

    @Test
    void liveRowsShowDiskColumnsOnlyWhenAGuestHasADisk() {
        GuestRow plain = new GuestRow("guest1", "running", 1, 2, 3);
        GuestRow disk = new GuestRow("guest2", "running", 1, 2, 3, new GuestRow.DiskRow(1500, 24.6, 1800.5, 9000.25, 0.5));
        assertEquals(GuestRow.HEADER, GuestRow.header(List.of(plain)));
        assertTrue(GuestRow.header(List.of(plain, disk)).endsWith("NOTIF/REQ"));
        assertTrue(disk.format().endsWith("1500     24.6    1800.5    9000.3     0.500"), disk.format());
        assertTrue(disk.formatPlain().endsWith("disk 1500 IOPS, 24.6 MB/s, p50 1800.5 us, p99 9000.3 us, "
                + "0.500 notifications/request"), disk.formatPlain());
    }
}
