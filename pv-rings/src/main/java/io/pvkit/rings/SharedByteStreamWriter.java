package io.pvkit.rings;

import io.pvkit.abi.memory.MemoryAccess;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * pvkit's {@link ByteStreamWriter}: the writing end of one byte-stream ring direction (xenstore
 * {@code xb_write}, console output, vchan write). Writes are partial: as many bytes as there is space for, split in at most two copies
 * when they straddle the end of the array.
 *
 * <p>The producer index is this side's: it is kept privately (read once at attach) and published with
 * a release store after the data ({@code xen_wmb}). The consumer index is the peer's: read once per
 * call with acquire, and {@code prod - cons > size} breaks the ring ({@link RingFault#STREAM_INDEX_CORRUPT}).
 * A full fence ({@code xen_mb}) orders that read before the data is overwritten. {@code prod - cons == size}
 * is full, never empty.
 *
 * <p>Not thread-safe: one writer. The caller notifies the peer after a write that moved data (or passes a
 * {@link io.pvkit.rings.spi.Notifier} to {@link #write(MemorySegment, long, int, io.pvkit.rings.spi.Notifier)}).
 */
public final class SharedByteStreamWriter extends SharedByteStreamEnd implements ByteStreamWriter {
    private int producer;

    private SharedByteStreamWriter(MemoryAccess memory, ByteStreamLayout layout) {
        super(memory, layout);
        this.producer = memory.getIntVolatile(layout.prodOffset());
    }

    /**
     * Attaches to a ring direction, taking the current producer index as this side's.
     *
     * @param memory the shared page(s)
     * @param layout where the ring lives
     * @return the writer
     */
    public static SharedByteStreamWriter attach(MemoryAccess memory, ByteStreamLayout layout) {
        return new SharedByteStreamWriter(memory, layout);
    }

    /**
     * Free space now.
     *
     * @return {@code size - (prod - cons)}
     * @throws RingBrokenException when the peer's index is corrupt
     */
    @Override
    public int space() {
        return size - checkedDistance(readPeerIndex(layout.consOffset()), producer);
    }

    /**
     * Writes up to {@code length} bytes and publishes them.
     *
     * @param source the bytes
     * @param offset the first byte in {@code source}
     * @param length the number of bytes to write
     * @return the number written (0 when full)
     * @throws RingBrokenException when the peer's index is corrupt
     */
    @Override
    public int write(MemorySegment source, long offset, int length) {
        final int consumer = readPeerIndex(layout.consOffset());
        // ORDERING: full fence (xen_mb): the consumer index is read before we overwrite the space it freed.
        VarHandle.fullFence();
        final int n = Math.min(length, size - checkedDistance(consumer, producer));
        if (n <= 0) {
            return 0;
        }
        copyIn(source, offset, producer, n);
        producer += n;
        // ORDERING: release (xen_wmb): data before the producer index.
        memory.setIntRelease(layout.prodOffset(), producer);
        return n;
    }

    /**
     * The private producer index.
     *
     * @return the index
     */
    @Override
    public int producerIndex() {
        return producer;
    }
}
