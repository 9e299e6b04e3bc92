package io.pvkit.rings;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.rings.internal.RingMemory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * What both ends of a byte-stream ring direction share: the layout, the validated distance between the two
 * indices, the sticky fault, the acquire read of the peer's index and the copies that wrap at most once.
 * {@link SharedByteStreamReader} and {@link SharedByteStreamWriter} add only their own index and direction.
 */
abstract sealed class SharedByteStreamEnd permits SharedByteStreamReader, SharedByteStreamWriter {
    /** The shared page(s). */
    final RingMemory memory;
    /** Where the ring lives. */
    final ByteStreamLayout layout;
    /** The data array's size in bytes (a power of two). */
    final int size;
    private RingFault fault;

    SharedByteStreamEnd(MemoryAccess memory, ByteStreamLayout layout) {
        this.memory = RingMemory.of(memory);
        this.layout = Objects.requireNonNull(layout, "layout");
        this.size = layout.size();
        layout.checkFits(memory.byteSize());
    }

    /**
     * The layout.
     *
     * @return the layout
     */
    public ByteStreamLayout layout() {
        return layout;
    }

    /**
     * Whether the ring is usable.
     *
     * @return the state
     */
    public RingState state() {
        return fault == null ? RingState.ACTIVE : RingState.BROKEN;
    }

    /**
     * Why the ring broke.
     *
     * @return the fault, or null while the ring is usable
     */
    public RingFault fault() {
        return fault;
    }

    /**
     * Reads the peer's index once, after checking that the ring is not broken.
     *
     * @param offset the peer's index ({@code prod} for a reader, {@code cons} for a writer)
     * @return the value read, not yet validated
     */
    final int readPeerIndex(long offset) {
        if (fault != null) {
            throw new RingBrokenException(fault, layout.name() + " is broken");
        }
        // UNTRUSTED: read once per call, validated by checkedDistance.
        // ORDERING: acquire (xen_rmb); pairs with the peer's release store of its index.
        return memory.getIntAcquire(offset);
    }

    /**
     * The bytes between the two indices; {@code prod - cons > size} breaks the ring for good.
     *
     * @param consumer the consumer index
     * @param producer the producer index
     * @return {@code prod - cons}, at most {@code size}
     */
    final int checkedDistance(int consumer, int producer) {
        long distance = RingIndex.distance(consumer, producer);
        if (distance > size) {
            fault = RingFault.STREAM_INDEX_CORRUPT;
            throw new RingBrokenException(fault, layout.name() + ": prod=" + Integer.toUnsignedString(producer)
                    + " cons=" + Integer.toUnsignedString(consumer) + " distance > " + size);
        }
        return (int) distance;
    }

    /** Copies {@code n} bytes starting at ring index {@code index} out, wrapping at most once. */
    final void copyOut(int index, MemorySegment destination, long offset, int n) {
        final int start = RingIndex.slot(index, size);
        final int first = Math.min(n, size - start);
        memory.copyOut(layout.dataOffset() + start, destination, offset, first);
        if (n > first) {
            memory.copyOut(layout.dataOffset(), destination, offset + first, n - first);
        }
    }

    /** Copies {@code n} bytes in at ring index {@code index}, wrapping at most once. */
    final void copyIn(MemorySegment source, long offset, int index, int n) {
        final int start = RingIndex.slot(index, size);
        final int first = Math.min(n, size - start);
        memory.copyIn(source, offset, layout.dataOffset() + start, first);
        if (n > first) {
            memory.copyIn(source, offset + first, layout.dataOffset(), n - first);
        }
    }
}
