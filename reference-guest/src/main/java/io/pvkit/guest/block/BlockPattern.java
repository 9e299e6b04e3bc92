package io.pvkit.guest.block;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The data the block workload writes, and what an outside check expects: block {@code i} of a pass starts at
 * sector {@code lba = i * blockSize / 512} and holds bytes that depend only on {@code (seed, lba, blockSize)}
 * ({@link #expected(long, long, int)}), so anyone who knows the three numbers can re-verify the disk image
 * byte for byte (the demo does, after the run).
 *
 * <p>Block layout (little-endian): bytes 0..7 the magic {@code "PVKITBLK"}, 8..15 the seed, 16..23 the lba,
 * 24..27 the block size, 28..{@code blockSize-9} pseudo-random bytes (SplitMix64 seeded from seed and lba),
 * the last 8 bytes the CRC32C of everything before them (zero-extended): a per-block checksum that detects a
 * torn or foreign block without knowing the seed ({@link #checksumValid(MemorySegment)}).
 *
 * <p>The record describes the disk after a completed pass: blocks {@code 0 .. blocks-1} hold
 * {@code expected(seed, i * blockSize / 512, blockSize)}; the rest of the disk was not written.
 *
 * @param seed the pass's seed
 * @param blockSize the block size in bytes, a multiple of 512
 * @param blocks the number of blocks written from sector 0
 */
public record BlockPattern(long seed, int blockSize, long blocks) {
    /** The magic at the start of every block. */
    public static final long MAGIC = 0x4B4C4254494B5650L;   // "PVKITBLK" read as a little-endian long
    /** Bytes of the block header (magic, seed, lba, block size). */
    public static final int HEADER_BYTES = 28;
    /** Bytes of the trailing checksum. */
    public static final int CHECKSUM_BYTES = 8;

    /**
     * Validates the description.
     *
     * @param seed any value
     * @param blockSize a positive multiple of 512
     * @param blocks not negative
     */
    public BlockPattern {
        checkBlockSize(blockSize);
        if (blocks < 0) {
            throw new IllegalArgumentException("blocks must not be negative, got " + blocks);
        }
    }

    /**
     * The sector where block {@code index} starts.
     *
     * @param index the block's index
     * @return {@code index * blockSize / 512}
     */
    public long lbaOf(long index) {
        return index * (blockSize / 512);
    }

    /**
     * The bytes of one block.
     *
     * @param seed the pass's seed
     * @param lba the block's first sector (512-byte units)
     * @param blockSize the block size, a positive multiple of 512
     * @return a new array of {@code blockSize} bytes
     */
    public static byte[] expected(long seed, long lba, int blockSize) {
        byte[] block = new byte[checkBlockSize(blockSize)];
        fill(seed, lba, MemorySegment.ofArray(block));
        return block;
    }

    /**
     * Writes the bytes of one block into {@code block} (its size is the block size).
     *
     * @param seed the pass's seed
     * @param lba the block's first sector
     * @param block receives the block; a positive multiple of 512 bytes
     */
    public static void fill(long seed, long lba, MemorySegment block) {
        int size = checkBlockSize(block.byteSize());
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(MAGIC).putLong(seed).putLong(lba).putInt(size);
        MemorySegment.copy(MemorySegment.ofArray(header.array()), 0, block, 0, HEADER_BYTES);
        long state = mix(seed ^ mix(lba + 0x632BE59BD9B4E019L));
        long at = HEADER_BYTES;
        long end = size - CHECKSUM_BYTES;
        for (; at + 8 <= end; at += 8) {
            state += 0x9E3779B97F4A7C15L;
            block.set(ValueLayout.JAVA_LONG_UNALIGNED, at, mix(state));
        }
        state += 0x9E3779B97F4A7C15L;
        long last = mix(state);
        for (int i = 0; at < end; at++, i++) {
            block.set(ValueLayout.JAVA_BYTE, at, (byte) (last >>> (8 * i)));
        }
        block.set(ValueLayout.JAVA_LONG_UNALIGNED, end, checksum(block, end));
    }

    /**
     * Whether a block's trailing checksum matches its contents (no seed needed).
     *
     * @param block one block as read
     * @return true when the CRC32C of all but the last 8 bytes equals the last 8 bytes
     */
    public static boolean checksumValid(MemorySegment block) {
        long end = checkBlockSize(block.byteSize()) - CHECKSUM_BYTES;
        return block.get(ValueLayout.JAVA_LONG_UNALIGNED, end) == checksum(block, end);
    }

    /**
     * The first byte where {@code block} differs from the expected block.
     *
     * @param seed the pass's seed
     * @param lba the block's first sector
     * @param block the block as read
     * @return the offset of the first difference, or -1 when every byte is as expected
     */
    public static long firstMismatch(long seed, long lba, MemorySegment block) {
        byte[] want = expected(seed, lba, checkBlockSize(block.byteSize()));
        return MemorySegment.ofArray(want).mismatch(block);
    }

    /**
     * What {@link #verifyImage(Path)} found.
     *
     * @param blocksChecked blocks compared (all of {@link #blocks()})
     * @param blocksDiffering blocks with at least one byte other than expected (or missing from a short image)
     * @param firstDifference the image offset of the first differing byte, or -1 when every byte is as expected
     */
    public record ImageCheck(long blocksChecked, long blocksDiffering, long firstDifference) {
        /**
         * Whether the image holds the pattern exactly.
         *
         * @return true when no block differs
         */
        public boolean ok() {
            return blocksDiffering == 0;
        }
    }

    /**
     * Checks a disk image file directly (after the guest's run): block {@code i} at byte {@code lbaOf(i) * 512}
     * must equal {@link #expected(long, long, int)}; bytes past the pattern are not checked.
     *
     * @param image the image file the backend served
     * @return the blocks checked and differing, and the first differing offset
     * @throws IOException when the file cannot be read
     */
    public ImageCheck verifyImage(Path image) throws IOException {
        long differing = 0;
        long first = -1;
        ByteBuffer buf = ByteBuffer.allocate(blockSize);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            for (long i = 0; i < blocks; i++) {
                long at = lbaOf(i) * 512;
                buf.clear();
                while (buf.hasRemaining() && ch.read(buf, at + buf.position()) > 0) {
                    // read the whole block (a short file leaves the rest unread)
                }
                // a short block differs where the file ends; a whole one where its bytes first differ
                long diff = buf.hasRemaining() ? buf.position()
                        : firstMismatch(seed, lbaOf(i), MemorySegment.ofArray(buf.array()));
                if (diff >= 0) {
                    differing++;
                    if (first < 0) {
                        first = at + diff;
                    }
                }
            }
        }
        return new ImageCheck(blocks, differing, first);
    }

    private static long checksum(MemorySegment block, long length) {
        CRC32C crc = new CRC32C();
        crc.update(block.asSlice(0, length).asByteBuffer());
        return crc.getValue();
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static int checkBlockSize(long size) {
        if (size < 512 || size % 512 != 0 || size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a block must be a positive multiple of 512 bytes, got " + size);
        }
        return (int) size;
    }
}
