package io.pvkit.rings;

import io.pvkit.abi.memory.MemoryAccess;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * pvkit's {@link ByteStreamReader}: the reading end of one byte-stream ring direction (xenstore
 * {@code xb_read}, console input, vchan read). Reads are partial and copy out with at most one wrap.
 *
 * <p>The consumer index is this side's, kept privately (read once at attach). The producer index is the
 * peer's: read once per call with acquire ({@code xen_rmb}: index before data), and
 * {@code prod - cons > size} breaks the ring. After copying out, a full fence ({@code xen_mb}) orders
 * the reads before the release store of the consumer index that hands the space back.
 *
 * <p>Not thread-safe: one reader. The caller notifies the peer after a read that freed space (or passes a
 * {@link io.pvkit.rings.spi.Notifier} to {@link #read(MemorySegment, long, int, io.pvkit.rings.spi.Notifier)}).
 */
public final class SharedByteStreamReader extends SharedByteStreamEnd implements ByteStreamReader {
    private int consumer;

    private SharedByteStreamReader(MemoryAccess memory, ByteStreamLayout layout) {
        super(memory, layout);
        this.consumer = memory.getIntVolatile(layout.consOffset());
    }

    /**
     * Attaches to a ring direction, taking the current consumer index as this side's.
     *
     * @param memory the shared page(s)
     * @param layout where the ring lives
     * @return the reader
     */
    public static SharedByteStreamReader attach(MemoryAccess memory, ByteStreamLayout layout) {
        return new SharedByteStreamReader(memory, layout);
    }

    /**
     * Bytes ready now.
     *
     * @return {@code prod - cons}
     * @throws RingBrokenException when the peer's index is corrupt
     */
    @Override
    public int available() {
        return checkedDistance(consumer, readPeerIndex(layout.prodOffset()));
    }

    /**
     * Reads up to {@code length} bytes and releases their space.
     *
     * @param destination where to copy
     * @param offset the first byte in {@code destination}
     * @param length the number of bytes wanted
     * @return the number read (0 when empty)
     * @throws RingBrokenException when the peer's index is corrupt
     */
    @Override
    public int read(MemorySegment destination, long offset, int length) {
        // ORDERING: the producer index is read with acquire (xen_rmb: index before data).
        final int n = Math.min(length, available());
        if (n <= 0) {
            return 0;
        }
        copyOut(consumer, destination, offset, n);
        consumer += n;
        // ORDERING: full fence (xen_mb): finish reading the data before the space is handed back.
        VarHandle.fullFence();
        memory.setIntRelease(layout.consOffset(), consumer);
        return n;
    }

    /**
     * The private consumer index.
     *
     * @return the index
     */
    @Override
    public int consumerIndex() {
        return consumer;
    }
}
