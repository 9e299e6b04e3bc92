package io.pvkit.xenbus.spi;

import java.io.IOException;

/**
 * A reliable, ordered byte stream to a xenstore server: the guest's ring page, a Unix domain socket, or
 * anything else that carries {@code xsd_sockmsg} frames. The client frames and parses; a transport only
 * moves bytes.
 *
 * <p>Threading: {@link #write} is called by one thread at a time and {@link #read} by one thread at a
 * time, but a write and a read may run at the same time on two threads. {@link #close} may be called
 * from any thread and must make a blocked {@code read}/{@code write} return soon (at its deadline at the
 * latest).
 *
 * <p>Deadlines are {@link System#nanoTime()} values; a transport may return early (0 bytes) but must not
 * block much past the deadline.
 */
public interface XsTransport extends AutoCloseable {

    /**
     * Writes bytes, waiting for space until the deadline.
     *
     * @param source the bytes
     * @param offset the first byte to write
     * @param length how many bytes to write
     * @param deadlineNanos when to give up ({@code System.nanoTime()} clock)
     * @return how many bytes were written: {@code length}, or fewer only when the deadline passed
     * @throws IOException when the stream is broken or closed
     */
    int write(byte[] source, int offset, int length, long deadlineNanos) throws IOException;

    /**
     * Reads the bytes available now, waiting until at least one is available or the deadline passes.
     *
     * @param destination where to copy
     * @param offset the first byte to fill
     * @param length the most bytes to read (at least 1)
     * @param deadlineNanos when to give up ({@code System.nanoTime()} clock)
     * @return the number read, 0 at the deadline, -1 at the end of the stream (the server closed)
     * @throws IOException when the stream is broken or closed
     */
    int read(byte[] destination, int offset, int length, long deadlineNanos) throws IOException;

    /**
     * Closes the stream; later reads and writes throw.
     *
     * @throws IOException when closing fails (the stream is closed anyway)
     */
    @Override
    void close() throws IOException;
}
