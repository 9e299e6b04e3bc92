package io.pvkit.cli.demo;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The disk each demo guest gets and the block workload it runs on it.
 *
 * <p>Each guest's disk is a sparse image file ({@code guestN.img}) of {@code sizeBytes} in {@code dir} (a new
 * temporary directory when null), served by domain 0's block backend as {@code xvda}. The guest writes
 * {@code passes} write+verify passes over the whole disk through its block frontend; the demo then re-reads the
 * image file directly and checks every byte of the last pass.
 *
 * @param sizeBytes the image size, a positive multiple of the block size
 * @param dir where the images go, or null for a new temporary directory
 * @param keep keep the images after the run (otherwise they are deleted)
 * @param sequential sequential block order (otherwise a random permutation)
 * @param blockSize bytes per request, a multiple of 512
 * @param queueDepth requests in flight per guest
 * @param passes write+verify passes over the whole disk (at least 1)
 */
public record DiskPlan(long sizeBytes, Path dir, boolean keep, boolean sequential, int blockSize, int queueDepth,
                       long passes) {

    /** The block size when none is given. */
    public static final int DEFAULT_BLOCK_SIZE = 16384;

    /**
     * Validates the plan.
     *
     * @param sizeBytes the image size
     * @param dir the directory or null
     * @param keep keep the images
     * @param sequential sequential order
     * @param blockSize the block size
     * @param queueDepth the queue depth
     * @param passes the passes
     */
    public DiskPlan {
        if (blockSize < 512 || blockSize % 512 != 0 || blockSize > (4 << 20)) {
            throw new IllegalArgumentException("block size must be a multiple of 512 up to 4M: " + blockSize);
        }
        if (sizeBytes < blockSize || sizeBytes % blockSize != 0) {
            throw new IllegalArgumentException("disk size must be a positive multiple of the block size ("
                    + blockSize + "): " + sizeBytes);
        }
        if (queueDepth < 1 || queueDepth > 4096) {
            throw new IllegalArgumentException("queue depth must be 1..4096: " + queueDepth);
        }
        if (passes < 1) {
            throw new IllegalArgumentException("at least one pass: " + passes);
        }
    }

    /**
     * The reference guest's command-line words for this workload ({@code pvkit.blk.*}).
     *
     * @return the words, space-separated
     */
    public String cmdline() {
        return "pvkit.blk=on pvkit.blk.pattern=" + (sequential ? "sequential" : "random") + " pvkit.blk.bs=" + blockSize
                + " pvkit.blk.qd=" + queueDepth + " pvkit.blk.passes=" + passes;
    }

    /**
     * A one-line description: {@code 16M disk, random 16K blocks, qd 16, 2 passes}.
     *
     * @return the text
     */
    public String describe() {
        return Units.size(sizeBytes) + " disk, " + (sequential ? "sequential " : "random ") + Units.size(blockSize)
                + " blocks, qd " + queueDepth + ", " + passes + (passes == 1 ? " pass" : " passes");
    }

    /** Size formatting shared by the demo's texts. */
    static final class Units {
        private Units() {
        }

        static String size(long bytes) {
            if (bytes % (1L << 30) == 0) {
                return (bytes >> 30) + "G";
            }
            if (bytes % (1L << 20) == 0) {
                return (bytes >> 20) + "M";
            }
            if (bytes % (1L << 10) == 0) {
                return (bytes >> 10) + "K";
            }
            return String.format(Locale.ROOT, "%dB", bytes);
        }
    }
}
