package io.pvkit.rings;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.internal.RingMemory;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Objects;

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
public final class SharedByteStreamReader implements ByteStreamReader {
    private final RingMemory memory;
    private final ByteStreamLayout layout;
    private final int size;
    private int consumer;
    private RingFault fault;

    private SharedByteStreamReader(MemoryAccess memory, ByteStreamLayout layout) {
        this.memory = RingMemory.of(memory);
        this.layout = Objects.requireNonNull(layout, "layout");
        this.size = layout.size();
        layout.checkFits(memory.byteSize());
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
     * The layout.
     *
     * @return the layout
     */
    @Override
    public ByteStreamLayout layout() {
        return layout;
    }

    /**
     * Bytes ready now.
     *
     * @return {@code prod - cons}
     * @throws RingBrokenException when the peer's index is corrupt
     */
    @Override
    public int available() {
        return available(readProducer());
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
        final int n = Math.min(length, available(readProducer()));
        if (n <= 0) {
            return 0;
        }
        final int start = RingIndex.slot(consumer, size);
        final int first = Math.min(n, size - start);
        memory.copyOut(layout.dataOffset() + start, destination, offset, first);
        if (n > first) {
            memory.copyOut(layout.dataOffset(), destination, offset + first, n - first);
        }
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

    /**
     * Whether the ring is usable.
     *
     * @return the state
     */
    @Override
    public RingState state() {
        return fault == null ? RingState.ACTIVE : RingState.BROKEN;
    }

    @Override
    public RingFault fault() {
        return fault;
    }

    private int readProducer() {
        if (fault != null) {
            throw new RingBrokenException(fault, layout.name() + " is broken");
        }
        // UNTRUSTED: read once per call, validated by available(int).
        // ORDERING: acquire (xen_rmb); pairs with the writer's release store of prod.
        return memory.getIntAcquire(layout.prodOffset());
    }

    private int available(int producer) {
        long ready = RingIndex.distance(consumer, producer);
        if (ready > size) {
            fault = RingFault.STREAM_INDEX_CORRUPT;
            throw new RingBrokenException(fault, layout.name() + ": prod=" + Integer.toUnsignedString(producer)
                    + " cons=" + Integer.toUnsignedString(consumer) + " distance > " + size);
        }
        return (int) ready;
    }
}
