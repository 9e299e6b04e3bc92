package io.pvkit.rings;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.spi.Notifier;

import java.lang.foreign.MemorySegment;

/**
 * The reading end of one byte-stream ring direction (xenstore {@code xb_read}, the console backend's
 * read of {@code out}, vchan read): the contract the conformance kit's {@code ByteStreamReaderVerification}
 * checks (rules BS-01..07). {@link SharedByteStreamReader} is pvkit's implementation.
 *
 * <p>The consumer index ({@code cons}) is this side's; the producer index ({@code prod}) is the peer's
 * and untrusted. Both are free-running u32 values; byte {@code i} lives at {@code data[i & (size-1)]}.
 * A reader consumes at most {@code prod - cons} bytes, reads {@code prod} once per call, and breaks for
 * good ({@link RingState#BROKEN}, {@link RingBrokenException}) when {@code prod - cons > size}.
 *
 * <p>Not thread-safe: one reader.
 */
public interface ByteStreamReader {

    /**
     * Attaches pvkit's reader to a ring direction, taking the current consumer index as this side's.
     *
     * @param memory the shared page(s)
     * @param layout where the ring lives
     * @return the reader
     */
    static ByteStreamReader attach(MemoryAccess memory, ByteStreamLayout layout) {
        return SharedByteStreamReader.attach(memory, layout);
    }

    /**
     * The layout.
     *
     * @return the layout
     */
    ByteStreamLayout layout();

    /**
     * Bytes ready now.
     *
     * @return {@code prod - cons}
     * @throws RingBrokenException when the peer's index is corrupt (or was)
     */
    int available();

    /**
     * Reads up to {@code length} bytes and hands their space back (publishes the new consumer index).
     *
     * @param destination where to copy
     * @param offset the first byte in {@code destination}
     * @param length the number of bytes wanted
     * @return the number read (0 when empty)
     * @throws RingBrokenException when the peer's index is corrupt (or was)
     */
    int read(MemorySegment destination, long offset, int length);

    /**
     * Reads as {@link #read(MemorySegment, long, int)}, then notifies the peer when bytes were read
     * (after the consumer index is published, as Linux {@code xb_read} does).
     *
     * @param destination where to copy
     * @param offset the first byte in {@code destination}
     * @param length the number of bytes wanted
     * @param notifier how to tell the writer that space was freed
     * @return the number read
     * @throws RingBrokenException when the peer's index is corrupt (or was)
     */
    default int read(MemorySegment destination, long offset, int length, Notifier notifier) {
        int n = read(destination, offset, length);
        if (n > 0) {
            notifier.notifyPeer();
        }
        return n;
    }

    /**
     * The consumer index this side has published.
     *
     * @return the index
     */
    int consumerIndex();

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
