package io.pvkit.cli.demo;

import io.pvkit.guest.block.BlockPattern;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's disk image files: creates one sparse image per guest, checks an image against the pattern the guest
 * reported after its last pass (reading the file directly, not through the block device), and removes the images
 * unless they are to be kept.
 */
final class DiskImages implements AutoCloseable {
    private final DiskPlan plan;
    private final Path dir;
    private final boolean temporary;
    private final List<Path> images = new ArrayList<>();

    /**
     * The result of checking one image file.
     *
     * @param blocksChecked blocks compared with the pattern
     * @param bytesDiffering bytes that differ from the pattern
     * @param firstBadOffset the file offset of the first differing byte, or -1
     */
    record FileCheck(long blocksChecked, long bytesDiffering, long firstBadOffset) {
        boolean ok() {
            return bytesDiffering == 0;
        }
    }

    DiskImages(DiskPlan plan) throws IOException {
        this.plan = plan;
        this.temporary = plan.dir() == null;
        this.dir = temporary ? Files.createTempDirectory("pvkit-disks-") : Files.createDirectories(plan.dir());
    }

    Path dir() {
        return dir;
    }

    /**
     * Creates a sparse image of the plan's size for one guest (an existing file of that name is replaced).
     *
     * @param name the guest's name
     * @return the image path
     * @throws IOException when the file cannot be created
     */
    Path create(String name) throws IOException {
        Path image = dir.resolve(name + ".img");
        Files.deleteIfExists(image);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(plan.sizeBytes());
        }
        images.add(image);
        return image;
    }

    /**
     * Reads an image file directly and compares the blocks of a completed pass with the pattern's bytes.
     *
     * @param image the image file
     * @param pattern the pass the guest completed and verified
     * @return the counts
     * @throws IOException when the file cannot be read
     */
    static FileCheck check(Path image, BlockPattern pattern) throws IOException {
        int bs = pattern.blockSize();
        ByteBuffer buf = ByteBuffer.allocate(bs);
        long differing = 0;
        long firstBad = -1;
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            for (long i = 0; i < pattern.blocks(); i++) {
                long lba = pattern.lbaOf(i);
                long offset = lba * 512;
                buf.clear();
                while (buf.hasRemaining()) {
                    if (ch.read(buf, offset + buf.position()) < 0) {
                        break; // a short file: the rest counts as differing below
                    }
                }
                byte[] want = BlockPattern.expected(pattern.seed(), lba, bs);
                byte[] got = buf.array();
                for (int j = 0; j < bs; j++) {
                    if (j >= buf.position() || got[j] != want[j]) {
                        differing++;
                        if (firstBad < 0) {
                            firstBad = offset + j;
                        }
                    }
                }
            }
        }
        return new FileCheck(pattern.blocks(), differing, firstBad);
    }

    /** Deletes the images (and the temporary directory) unless the plan keeps them. */
    @Override
    public void close() throws IOException {
        if (plan.keep()) {
            return;
        }
        for (Path p : images) {
            Files.deleteIfExists(p);
        }
        if (temporary) {
            Files.deleteIfExists(dir);
        }
    }
}
