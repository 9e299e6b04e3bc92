package io.pvkit.hypervisor.dom0.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The file behind one vbd: a {@link FileChannel} opened once at probe (read-only for {@code mode = r}),
 * its size fixed at open ({@code sectors} = size / 512; a trailing partial sector is not exposed).
 *
 * <p>Thread safety: every operation is positional, so the workers of several queues use one instance at
 * the same time. Durability is what the methods say: {@link #write} returns when the bytes are in the
 * channel (the page cache; visible to every later read of this file by anyone), {@link #flush} when
 * {@code force(true)} returned (data and metadata on the device).
 */
final class DiskImage implements AutoCloseable {
    /** Bytes per sector of the blkif protocol. */
    static final int SECTOR = 512;
    private static final int ZERO_CHUNK = 64 * 1024;

    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private final long sectors;
    private final HolePunch punch;

    private DiskImage(Path path, FileChannel channel, boolean readOnly, long sectors, HolePunch punch) {
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
        this.sectors = sectors;
        this.punch = punch;
    }

    /**
     * Opens an image.
     *
     * @param path a regular file (absolute)
     * @param readOnly whether to open it read-only
     * @return the image
     * @throws IOException when it is not a regular file or cannot be opened
     */
    static DiskImage open(Path path, boolean readOnly) throws IOException {
        return open(path, readOnly, true);
    }

    /**
     * Opens an image, choosing whether discards may punch holes.
     *
     * @param path a regular file (absolute)
     * @param readOnly whether to open it read-only
     * @param allowPunch false to always zero discarded ranges
     * @return the image
     * @throws IOException when it is not a regular file or cannot be opened
     */
    static DiskImage open(Path path, boolean readOnly, boolean allowPunch) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("not a regular file: " + path);
        }
        FileChannel ch = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = ch.size();
            return new DiskImage(path, ch, readOnly, size / SECTOR, readOnly || !allowPunch ? null : HolePunch.forFile(path));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    Path path() {
        return path;
    }

    boolean readOnly() {
        return readOnly;
    }

    long sectors() {
        return sectors;
    }

    /** How discards are done: {@code "punch-hole"} or {@code "zero"}. */
    String discardMethod() {
        return punch != null ? "punch-hole" : "zero";
    }

    /** Fills {@code dst} from the file at {@code position}; the range lies inside the image. */
    void read(ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                // the file shrank under us (someone truncated the image): the rest reads as zeroes
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return;
            }
            pos += n;
        }
    }

    /** Writes all of {@code src} at {@code position}; returns when the channel has it (page cache). */
    void write(ByteBuffer src, long position) throws IOException {
        long pos = position;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

    /** {@code force(true)}: data and metadata reach the device. */
    void flush() throws IOException {
        channel.force(true);
    }

    /**
     * Discards a byte range: punches a hole ({@code fallocate(PUNCH_HOLE | KEEP_SIZE)}) when native access
     * is enabled for this module and the file system supports it, otherwise writes zeroes. Either way the
     * range reads back as zeroes and the file keeps its size.
     */
    void discard(long position, long length) throws IOException {
        if (length == 0) {
            return;
        }
        if (punch != null && punch.punch(position, length)) {
            return;
        }
        ByteBuffer zeroes = ByteBuffer.allocateDirect((int) Math.min(ZERO_CHUNK, length));
        long done = 0;
        while (done < length) {
            zeroes.clear().limit((int) Math.min(zeroes.capacity(), length - done));
            write(zeroes, position + done);
            done += zeroes.limit();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (punch != null) {
                punch.close();
            }
        }
    }
}
