package io.pvkit.cli.system;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The data the durability and soak tests write: every 512-byte sector names itself and the write that put it
 * there, so a sector read back (through blkfront, or from the image file) says which write it holds, or that it
 * holds nothing any write put there.
 *
 * <p>Sector layout (little-endian): bytes 0..7 the magic {@code "PVKDURAB"}, 8..15 the sector number, 16..23 the
 * generation (a write's unique number; 0 is the image's initial fill), 24..511 pseudo-random bytes that depend
 * only on (sector, generation) (SplitMix64). {@link #generation} recomputes all 512 bytes: a torn, shifted or
 * foreign sector is {@link #CORRUPT}.
 */
final class SectorStamp {
    /** Bytes per sector. */
    static final int SECTOR = 512;
    /** What {@link #generation} returns for a sector no write of these tests put there intact. */
    static final long CORRUPT = -1;
    private static final long MAGIC = 0x42415255444B5650L;   // "PVKDURAB" little-endian
    private static final int HEADER = 24;

    private SectorStamp() {
    }

    /** Fills {@code block} (a multiple of 512 bytes, first sector {@code sector}) with generation {@code gen}. */
    static void fill(long sector, long gen, MemorySegment block) {
        for (long at = 0; at < block.byteSize(); at += SECTOR) {
            fillSector(sector + at / SECTOR, gen, block, at);
        }
    }

    private static void fillSector(long sector, long gen, MemorySegment buf, long offset) {
        buf.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, MAGIC);
        buf.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + 8, sector);
        buf.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + 16, gen);
        long state = mix(gen * 0x9E3779B97F4A7C15L ^ mix(sector + 0x632BE59BD9B4E019L));
        for (long at = HEADER; at < SECTOR; at += 8) {
            state += 0x9E3779B97F4A7C15L;
            buf.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + at, mix(state));
        }
    }

    /**
     * The generation sector {@code sector} holds, read at {@code offset} of {@code buf}.
     *
     * @return the generation, or {@link #CORRUPT} when any of its 512 bytes is not what that generation wrote
     */
    static long generation(long sector, MemorySegment buf, long offset) {
        // the read data is untrusted test input: the header is only a claim, checked against the recomputed sector
        if (buf.get(ValueLayout.JAVA_LONG_UNALIGNED, offset) != MAGIC
                || buf.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + 8) != sector) {
            return CORRUPT;
        }
        long gen = buf.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + 16);
        long state = mix(gen * 0x9E3779B97F4A7C15L ^ mix(sector + 0x632BE59BD9B4E019L));
        for (long at = HEADER; at < SECTOR; at += 8) {
            state += 0x9E3779B97F4A7C15L;
            if (buf.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + at) != mix(state)) {
                return CORRUPT;
            }
        }
        return gen;
    }

    /** The generations of every sector of {@code block} (first sector {@code sector}). */
    static long[] generations(long sector, MemorySegment block) {
        long[] g = new long[(int) (block.byteSize() / SECTOR)];
        for (int i = 0; i < g.length; i++) {
            g[i] = generation(sector + i, block, (long) i * SECTOR);
        }
        return g;
    }

    /** Writes generation 0 over the whole of a new image of {@code bytes} bytes (a multiple of 512). */
    static void initialise(Path image, long bytes) throws IOException {
        MemorySegment chunk = MemorySegment.ofArray(new byte[64 * SECTOR]);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long at = 0; at < bytes; at += chunk.byteSize()) {
                long n = Math.min(chunk.byteSize(), bytes - at);
                MemorySegment part = chunk.asSlice(0, n);
                fill(at / SECTOR, 0, part);
                ByteBuffer b = part.asByteBuffer();
                while (b.hasRemaining()) {
                    ch.write(b, at + b.position());
                }
            }
        }
    }

    /** The generation of every sector of an image file, read directly (not through the block device). */
    static long[] readImage(Path image) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            long size = ch.size();
            long[] g = new long[(int) (size / SECTOR)];
            ByteBuffer buf = ByteBuffer.allocate(64 * SECTOR);
            for (long at = 0; at < size; at += buf.capacity()) {
                buf.clear();
                while (buf.hasRemaining() && ch.read(buf, at + buf.position()) > 0) {
                    // read the whole chunk
                }
                MemorySegment seg = MemorySegment.ofArray(buf.array());
                for (int i = 0; i < buf.position() / SECTOR; i++) {
                    g[(int) (at / SECTOR) + i] = generation(at / SECTOR + i, seg, (long) i * SECTOR);
                }
            }
            return g;
        }
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
