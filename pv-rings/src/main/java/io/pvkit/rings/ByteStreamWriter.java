package io.pvkit.rings;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.spi.Notifier;

import java.lang.foreign.MemorySegment;

/**
 * The writing end of one byte-stream ring direction (xenstore {@code xb_write}, console output, vchan
 * write): the contract the conformance kit's {@code ByteStreamWriterVerification} checks (rules
 * BS-01..07). {@link SharedByteStreamWriter} is pvkit's implementation.
 *
 * <p>The producer index ({@code prod}) is this side's; the consumer index ({@code cons}) is the peer's
 * and untrusted. Both are free-running u32 values; {@code prod - cons == size} is full, never empty. A
 * writer writes at most {@code size - (prod - cons)} bytes (never over unconsumed ones), reads
 * {@code cons} once per call, publishes {@code prod} only after the bytes, and breaks for good
 * ({@link RingState#BROKEN}, {@link RingBrokenException}) when {@code prod - cons > size}.
 *
 * <p>Not thread-safe: one writer.
 */
public interface ByteStreamWriter {

    /**
     * Attaches pvkit's writer to a ring direction, taking the current producer index as this side's.
     *
     * @param memory the shared page(s)
     * @param layout where the ring lives
     * @return the writer
     */
    static ByteStreamWriter attach(MemoryAccess memory, ByteStreamLayout layout) {
        return SharedByteStreamWriter.attach(memory, layout);
    }

    /**
     * The layout.
     *
     * @return the layout
     */
    ByteStreamLayout layout();

    /**
     * Free space now.
     *
     * @return {@code size - (prod - cons)}
     * @throws RingBrokenException when the peer's index is corrupt (or was)
     */
    int space();

    /**
     * Writes up to {@code length} bytes and publishes them (the new producer index).
     *
     * @param source the bytes
     * @param offset the first byte in {@code source}
     * @param length the number of bytes wanted
     * @return the number written (0 when full)
     * @throws RingBrokenException when the peer's index is corrupt (or was)
     */
    int write(MemorySegment source, long offset, int length);

    /**
     * Writes as {@link #write(MemorySegment, long, int)}, then notifies the peer when bytes were written
     * (after the producer index is published, as Linux {@code xb_write} does).
     *
     * @param source the bytes
     * @param offset the first byte in {@code source}
     * @param length the number of bytes wanted
     * @param notifier how to tell the reader that bytes are ready
     * @return the number written
     * @throws RingBrokenException when the peer's index is corrupt (or was)
     */
    default int write(MemorySegment source, long offset, int length, Notifier notifier) {
        int n = write(source, offset, length);
        if (n > 0) {
            notifier.notifyPeer();
        }
        return n;
    }

    /**
     * The producer index this side has published.
     *
     * @return the index
     */
    int producerIndex();

    /**
     * Whether the ring is usable.
     *
     * @return the state
     */
    RingState state();

    /**
     * Why the ring broke.
     *
     * @return the fault, or null while {@link RingState#ACTIVE}
     */
    RingFault fault();
}
