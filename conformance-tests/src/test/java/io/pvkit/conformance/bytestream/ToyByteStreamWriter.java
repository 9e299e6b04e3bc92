package io.pvkit.conformance.bytestream;

import io.pvkit.abi.memory.MemoryAccess;
import io.pvkit.conformance.hostile.MemoryCopies;
import io.pvkit.rings.ByteStreamLayout;
import io.pvkit.rings.ByteStreamWriter;
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
 * A small, independent byte-stream writer for the self-tests, written straight over the kit's view. With
 * no flaw it is correct; each {@link Flaw} plants one classic bug.
 */
final class ToyByteStreamWriter implements ByteStreamWriter {
    enum Flaw {
        /** prod - cons as a difference of unsigned longs: wrong across 2^32, accepts cons ahead of prod. */
        UNSIGNED_LONG_DIFFERENCE,
        /** Stores prod masked to the array. */
        MASKED_INDEX,
        /** used = (prod - cons) &amp; (size-1): a full ring looks empty and is overwritten. */
        FULL_IS_EMPTY,
        /** No prod - cons &gt; size check (clamps instead). */
        NO_OVERFLOW_CHECK,
        /** Forgets BROKEN when the indices look valid again. */
        BROKEN_NOT_STICKY,
        /** Reads cons again for the part after the end of the array. */
        REREAD_CONS,
        /** Publishes prod before copying the bytes in. */
        PUBLISH_BEFORE_COPY,
        /** Notifies the reader before publishing prod. */
        NOTIFY_BEFORE_PUBLISH,
        /** Checks at attach that the data array fits the memory, but not the two indices. */
        FITS_DATA_ONLY,
        /** Breaks and stays BROKEN, but fault() never says why (always null). */
        FAULT_NOT_REPORTED,
        /** space() = (size - used) &amp; (size-1): an empty ring reports no space. */
        SPACE_MASKED,
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
    private int prod;
    private RingFault fault;

    ToyByteStreamWriter(MemoryAccess mem, ByteStreamLayout layout, Set<Flaw> flaws) {
        this.mem = mem;
        this.layout = layout;
        this.flaws = flaws.isEmpty() ? EnumSet.noneOf(Flaw.class) : EnumSet.copyOf(flaws);
        this.size = layout.size();
        long bytes = mem.byteSize();
        if (layout.dataOffset() + size > bytes
                || !has(Flaw.FITS_DATA_ONLY) && (layout.consOffset() + 4 > bytes || layout.prodOffset() + 4 > bytes)) {
            throw new IllegalArgumentException("toy: " + layout + " does not fit " + bytes + " bytes");
        }
        this.prod = mem.getIntVolatile(layout.prodOffset());
    }

    private boolean has(Flaw f) {
        return flaws.contains(f);
    }

    private int used(int cons) {
        if (fault != null && !has(Flaw.BROKEN_NOT_STICKY)) {
            throw new RingBrokenException(fault, "toy broken");
        }
        if (has(Flaw.BROKEN_NOT_STICKY)) {
            fault = null;
        }
        long d = has(Flaw.UNSIGNED_LONG_DIFFERENCE)
                ? Math.max(0, Integer.toUnsignedLong(prod) - Integer.toUnsignedLong(cons))
                : RingIndex.distance(cons, prod);
        if (d > size) {
            if (has(Flaw.NO_OVERFLOW_CHECK)) {
                return 0;
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
    public int space() {
        int space = size - used(mem.getIntAcquire(layout.consOffset()));
        return has(Flaw.SPACE_MASKED) ? space & (size - 1) : space;
    }

    @Override
    public int write(MemorySegment source, long offset, int length) {
        int cons = mem.getIntAcquire(layout.consOffset());
        VarHandle.fullFence();
        int n = Math.min(length, size - used(cons));
        if (n <= 0) {
            return 0;
        }
        int start = (has(Flaw.POSITION_IN_16_BITS) ? prod & 0xFFFF : prod) & (size - 1);
        int first = Math.min(n, size - start);
        if (has(Flaw.PUBLISH_BEFORE_COPY)) {
            publish(prod + n);
            prod -= n;
        }
        MemoryCopies.copyIn(source, offset, mem, layout.dataOffset() + start, first);
        if (n > first) {
            if (has(Flaw.REREAD_CONS)) {
                int again = mem.getIntAcquire(layout.consOffset());
                n = Math.max(first, Math.min(n, size - (int) Math.min(size, RingIndex.distance(again, prod))));
            }
            if (n > first) {
                MemoryCopies.copyIn(source, offset + first, mem, layout.dataOffset(), n - first);
            }
        }
        publish(prod + n);
        return n;
    }

    private void publish(int newProd) {
        prod = newProd;
        mem.setIntRelease(layout.prodOffset(), has(Flaw.MASKED_INDEX) ? newProd & (size - 1) : newProd);
    }

    @Override
    public int write(MemorySegment source, long offset, int length, Notifier notifier) {
        if (has(Flaw.NOTIFY_BEFORE_PUBLISH)) {
            if (length > 0 && space() > 0) {
                notifier.notifyPeer();
            }
            return write(source, offset, length);
        }
        return ByteStreamWriter.super.write(source, offset, length, notifier);
    }

    @Override
    public int producerIndex() {
        return prod;
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
