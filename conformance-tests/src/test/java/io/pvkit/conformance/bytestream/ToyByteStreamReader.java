package io.pvkit.conformance.bytestream;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.MemoryCopies;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamReader;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingFault;
import io.pvkit.rings.RingIndex;
import io.pvkit.rings.RingState;
import io.pvkit.rings.spi.Notifier;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.EnumSet;
import java.util.Set;

/**
 * A small, independent byte-stream reader for the self-tests, written straight over the kit's view. With
 * no flaw it is correct; each {@link Flaw} plants one classic bug.
 */
final class ToyByteStreamReader implements ByteStreamReader {
    enum Flaw {
        /** prod - cons as a difference of unsigned longs: stalls (or accepts a regression) across 2^32. */
        UNSIGNED_LONG_DIFFERENCE,
        /** Stores cons masked to the array. */
        MASKED_INDEX,
        /** available = (prod - cons) &amp; (size-1): a full ring looks empty. */
        FULL_IS_EMPTY,
        /** No prod - cons &gt; size check (clamps to the size instead). */
        NO_OVERFLOW_CHECK,
        /** Forgets BROKEN when the indices look valid again. */
        BROKEN_NOT_STICKY,
        /** Reads prod again for the part after the end of the array. */
        REREAD_PROD,
        /** Hands the space back (publishes cons) before copying the bytes out. */
        PUBLISH_BEFORE_COPY,
        /** Notifies the writer before publishing cons. */
        NOTIFY_BEFORE_PUBLISH,
        /** Checks at attach that the data array fits the memory, but not the two indices. */
        FITS_DATA_ONLY,
        /** Breaks and stays BROKEN, but fault() never says why (always null). */
        FAULT_NOT_REPORTED,
        /** layout() answers null. */
        LAYOUT_NOT_REPORTED,
        /**
         * Takes the array position from the index's low 16 bits (a {@code uint16_t} offset, enough for every in-page
         * ring): wrong only for a ring larger than 64 KiB, such as libxenvchan's order-20 ring.
         */
        POSITION_IN_16_BITS
    }

    private final MemoryAccess mem;
    private final ByteStreamLayout layout;
    private final Set<Flaw> flaws;
    private final int size;
    private int cons;
    private RingFault fault;

    ToyByteStreamReader(MemoryAccess mem, ByteStreamLayout layout, Set<Flaw> flaws) {
        this.mem = mem;
        this.layout = layout;
        this.flaws = flaws.isEmpty() ? EnumSet.noneOf(Flaw.class) : EnumSet.copyOf(flaws);
        this.size = layout.size();
        long bytes = mem.byteSize();
        if (layout.dataOffset() + size > bytes
                || !has(Flaw.FITS_DATA_ONLY) && (layout.consOffset() + 4 > bytes || layout.prodOffset() + 4 > bytes)) {
            throw new IllegalArgumentException("toy: " + layout + " does not fit " + bytes + " bytes");
        }
        this.cons = mem.getIntVolatile(layout.consOffset());
    }

    private boolean has(Flaw f) {
        return flaws.contains(f);
    }

    private long distance(int from, int to) {
        return has(Flaw.UNSIGNED_LONG_DIFFERENCE) ? Math.max(0, Integer.toUnsignedLong(to) - Integer.toUnsignedLong(from))
                : RingIndex.distance(from, to);
    }

    private int ready(int prod) {
        if (fault != null && !has(Flaw.BROKEN_NOT_STICKY)) {
            throw new RingBrokenException(fault, "toy broken");
        }
        if (has(Flaw.BROKEN_NOT_STICKY)) {
            fault = null;
        }
        long d = distance(cons, prod);
        if (d > size) {
            if (has(Flaw.NO_OVERFLOW_CHECK)) {
                return size;
            }
            fault = RingFault.STREAM_INDEX_CORRUPT;
            throw new RingBrokenException(fault, "toy: prod - cons > size");
        }
        return has(Flaw.FULL_IS_EMPTY) ? (int) d & (size - 1) : (int) d;
    }

    @Override
    public ByteStreamLayout layout() {
        return has(Flaw.LAYOUT_NOT_REPORTED) ? null : layout;
    }

    @Override
    public int available() {
        return ready(mem.getIntAcquire(layout.prodOffset()));
    }

    @Override
    public int read(MemorySegment destination, long offset, int length) {
        int n = Math.min(length, ready(mem.getIntAcquire(layout.prodOffset())));
        if (n <= 0) {
            return 0;
        }
        int start = (has(Flaw.POSITION_IN_16_BITS) ? cons & 0xFFFF : cons) & (size - 1);
        int first = Math.min(n, size - start);
        if (has(Flaw.PUBLISH_BEFORE_COPY)) {
            mem.setIntRelease(layout.consOffset(), cons + n);
        }
        MemoryCopies.copyOut(mem, layout.dataOffset() + start, destination, offset, first);
        if (n > first) {
            if (has(Flaw.REREAD_PROD)) {
                int again = mem.getIntAcquire(layout.prodOffset());
                n = Math.min(n, (int) Math.min(distance(cons, again), size));
                n = Math.max(n, first);
            }
            if (n > first) {
                MemoryCopies.copyOut(mem, layout.dataOffset(), destination, offset + first, n - first);
            }
        }
        VarHandle.fullFence();
        publish(cons + n);
        return n;
    }

    private void publish(int newCons) {
        cons = newCons;
        mem.setIntRelease(layout.consOffset(), has(Flaw.MASKED_INDEX) ? newCons & (size - 1) : newCons);
    }

    @Override
    public int read(MemorySegment destination, long offset, int length, Notifier notifier) {
        if (has(Flaw.NOTIFY_BEFORE_PUBLISH)) {
            if (available() > 0 && length > 0) {
                notifier.notifyPeer();
            }
            return read(destination, offset, length);
        }
        return ByteStreamReader.super.read(destination, offset, length, notifier);
    }

    @Override
    public int consumerIndex() {
        return cons;
    }

    @Override
    public RingState state() {
        return fault == null ? RingState.ACTIVE : RingState.BROKEN;
    }

    @Override
    public RingFault fault() {
        return has(Flaw.FAULT_NOT_REPORTED) ? null : fault;
    }
}
