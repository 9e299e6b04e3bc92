package io.pvkit.conformance.hostile;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntUnaryOperator;

/**
 * A {@link SharedMemoryView} over a real segment that behaves like a malicious peer sharing the
 * page: the in-JVM version of Xenpwn's memory-access tracer (the tool that found XSA-155).
 *
 * <ul>
 *   <li><b>Counts reads per field.</b> {@link #field(long, int)} registers a field; every load or
 *       {@code copyTo} that overlaps it counts one read ({@link #reads(long)}). A double fetch shows
 *       up as a count of 2.</li>
 *   <li><b>Changes a field between the first and a later read.</b>
 *       {@link #changeAfterFirstRead(long, int, long)}: the first read sees the real value, then the
 *       new value is stored into the real segment, so every later read (and copy) sees it.</li>
 *   <li><b>Returns arbitrary values on each read.</b> {@link #script(long, IntUnaryOperator)} and
 *       {@link #script(long, int...)}: the n-th 32-bit load at an offset returns the script's value
 *       for n (0-based); the segment itself is not changed.</li>
 * </ul>
 * Stores go to the real segment unchanged, so the code under test sees its own writes. The view is
 * thread-safe for counting; scripts and changes are meant to be set up before the code under test
 * runs. To act on code that reads a {@link MemorySegment} directly instead of a view, use
 * {@link FieldFlipper}.
 */
public final class HostileMemory implements SharedMemoryView {

    private final SharedMemoryView real;
    private final MemorySegment segment;
    private final Map<Long, Integer> fields = new TreeMap<>();
    private final Map<Long, Integer> reads = new ConcurrentHashMap<>();
    private final Map<Long, long[]> changes = new ConcurrentHashMap<>();
    private final Map<Long, IntUnaryOperator> scripts = new ConcurrentHashMap<>();

    /**
     * Wraps a real segment.
     *
     * @param segment the shared page (its contents are used and changed for real)
     */
    public HostileMemory(MemorySegment segment) {
        this.segment = segment;
        this.real = SharedMemoryView.of(segment);
    }

    /**
     * The real segment underneath.
     *
     * @return the segment
     */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * Registers a field whose reads are counted.
     *
     * @param offset the field's byte offset (e.g. {@code SharedRingLayout.REQ_PROD_OFFSET})
     * @param size the field's size in bytes
     * @return this view
     */
    public synchronized HostileMemory field(long offset, int size) {
        if (size <= 0 || offset < 0 || offset + size > segment.byteSize()) {
            throw new IllegalArgumentException("field [" + offset + ", +" + size + ") outside the segment");
        }
        fields.put(offset, size);
        reads.putIfAbsent(offset, 0);
        return this;
    }

    /**
     * How many loads or copies overlapped a registered field so far.
     *
     * @param offset the field's offset, as registered
     * @return the count
     * @throws IllegalArgumentException when no field is registered at {@code offset}
     */
    public int reads(long offset) {
        Integer count = reads.get(offset);
        if (count == null) {
            throw new IllegalArgumentException("no field registered at offset " + offset);
        }
        return count;
    }

    /** Resets every read counter to 0. */
    public void resetReads() {
        reads.replaceAll((k, v) -> 0);
    }

    /**
     * After the first read of a field (registered here if needed), stores {@code laterValue} into
     * the real segment, so later reads see a different value (double-fetch bait).
     *
     * @param offset the field's offset
     * @param size 1, 2, 4 or 8 bytes
     * @param laterValue the value the peer writes after the first read
     * @return this view
     */
    public synchronized HostileMemory changeAfterFirstRead(long offset, int size, long laterValue) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("size must be 1, 2, 4 or 8: " + size);
        }
        field(offset, size);
        changes.put(offset, new long[] {size, laterValue});
        return this;
    }

    /**
     * Makes every 32-bit load at {@code offset} return {@code values.applyAsInt(n)} for the n-th
     * load (0-based). The field is registered, so its reads are counted too.
     *
     * @param offset the offset of a 32-bit field such as a producer index
     * @param values the value for each read number
     * @return this view
     */
    public synchronized HostileMemory script(long offset, IntUnaryOperator values) {
        field(offset, 4);
        scripts.put(offset, values);
        return this;
    }

    /**
     * Makes the 32-bit loads at {@code offset} return {@code values} in turn, repeating the last.
     *
     * @param offset the offset of a 32-bit field
     * @param values the values (at least one)
     * @return this view
     */
    public HostileMemory script(long offset, int... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("a script needs at least one value");
        }
        int[] copy = values.clone();
        return script(offset, n -> copy[Math.min(n, copy.length - 1)]);
    }

    @Override
    public long byteSize() {
        return real.byteSize();
    }

    @Override
    public byte getByte(long offset) {
        byte v = real.getByte(offset);
        afterRead(offset, 1);
        return v;
    }

    @Override
    public short getShort(long offset) {
        short v = real.getShort(offset);
        afterRead(offset, 2);
        return v;
    }

    @Override
    public int getInt(long offset) {
        return readInt(offset, real.getInt(offset));
    }

    @Override
    public int getIntAcquire(long offset) {
        return readInt(offset, real.getIntAcquire(offset));
    }

    @Override
    public int getIntVolatile(long offset) {
        return readInt(offset, real.getIntVolatile(offset));
    }

    @Override
    public long getLong(long offset) {
        long v = real.getLong(offset);
        afterRead(offset, 8);
        return v;
    }

    @Override
    public void setByte(long offset, byte value) {
        real.setByte(offset, value);
    }

    @Override
    public void setShort(long offset, short value) {
        real.setShort(offset, value);
    }

    @Override
    public void setInt(long offset, int value) {
        real.setInt(offset, value);
    }

    @Override
    public void setIntRelease(long offset, int value) {
        real.setIntRelease(offset, value);
    }

    @Override
    public void setIntVolatile(long offset, int value) {
        real.setIntVolatile(offset, value);
    }

    @Override
    public void setLong(long offset, long value) {
        real.setLong(offset, value);
    }

    @Override
    public void copyTo(long offset, MemorySegment destination, long destinationOffset, long length) {
        real.copyTo(offset, destination, destinationOffset, length);
        afterRead(offset, length);
    }

    @Override
    public void copyFrom(MemorySegment source, long sourceOffset, long offset, long length) {
        real.copyFrom(source, sourceOffset, offset, length);
    }

    private int readInt(long offset, int value) {
        IntUnaryOperator script = scripts.get(offset);
        int n = script == null ? 0 : reads.getOrDefault(offset, 0);
        afterRead(offset, 4);
        return script == null ? value : script.applyAsInt(n);
    }

    /** Counts the read for every overlapped field and applies pending changes after a first read. */
    private void afterRead(long offset, long length) {
        synchronized (this) {
            for (Map.Entry<Long, Integer> f : fields.entrySet()) {
                long start = f.getKey();
                if (start < offset + length && offset < start + f.getValue()) {
                    int count = reads.merge(start, 1, Integer::sum);
                    long[] change = changes.get(start);
                    if (change != null && count == 1) {
                        store(start, (int) change[0], change[1]);
                    }
                }
            }
        }
    }

    private void store(long offset, int size, long value) {
        switch (size) {
            case 1 -> real.setByte(offset, (byte) value);
            case 2 -> real.setShort(offset, (short) value);
            case 4 -> real.setInt(offset, (int) value);
            default -> real.setLong(offset, value);
        }
    }
}
