package io.pvkit.conformance.hostile;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.GuestMemoryFault;
import io.pvkit.abi.memory.MemoryAccess;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;
import java.util.function.LongUnaryOperator;

/**
 * A {@link MemoryAccess} that stands between the code under test and real memory and behaves like a
 * malicious peer sharing it: the in-JVM version of Xenpwn's memory-access tracer (the tool that found
 * XSA-155). Because rings, event channels and grant tables reach shared memory only through
 * {@link MemoryAccess}, every hostile rule is deterministic: nothing depends on a racing thread.
 *
 * <ul>
 *   <li><b>Counts reads (and writes) per field.</b> {@link #field(long, int)} registers a field; every
 *       access that overlaps it counts: loads, copies out ({@link #read(long, byte[], int, int)} and
 *       {@link #copyOut(long, MemorySegment, long, long)}, one read each),
 *       compare-and-set and the other read-modify-writes count one read ({@link #reads(long)});
 *       stores, copies in, fills and read-modify-writes count one write ({@link #writes(long)}).
 *       A double fetch shows up as {@code reads == 2}.</li>
 *   <li><b>Changes a field between the first and the second read, on purpose.</b>
 *       {@link #changeAfterFirstRead(long, int, long)} stores a new value into the real memory right
 *       after the first read returned, so the second read (and every later one) sees it;
 *       {@link #afterRead(long, int, int, Consumer)} runs any peer action after the n-th read.</li>
 *   <li><b>Returns scripted values.</b> {@link #script(long, IntUnaryOperator)} (32-bit loads) and
 *       {@link #scriptLong(long, LongUnaryOperator)} (64-bit loads): the n-th load at the offset returns
 *       the script's value for n (0-based); the real memory is not changed. Read-modify-writes still
 *       act on the real value.</li>
 *   <li><b>Faults accesses.</b> {@link #fault(long, long, Access)} and
 *       {@link #faultAfter(long, long, Access, int)}: a matching access throws {@link GuestMemoryFault}
 *       (as {@link GuestMemory} does for an address outside the domain) and touches nothing.</li>
 * </ul>
 * The access semantics (acquire, release, volatile, atomicity) are those of the wrapped memory. The
 * counters are thread-safe; scripts, changes and faults are meant to be set up before the code under
 * test runs. To act on code that holds a {@link MemorySegment} instead of a {@link MemoryAccess}, use
 * {@link FieldFlipper}.
 * {@snippet :
 * GuestMemory real = GuestMemory.allocate(1);
 * HostileMemory hostile = new HostileMemory(real)
 *         .changeAfterFirstRead(SLOT + NR_SEGMENTS, 1, 100) // double-fetch bait
 *         .fault(4000, 8, HostileMemory.Access.WRITE);     // this range is not writable
 * backend.serve(hostile);
 * assertEquals(1, hostile.reads(SLOT + NR_SEGMENTS));
 * }
 */
public final class HostileMemory implements MemoryAccess {

    /** Which accesses a {@linkplain #fault(long, long, Access) fault} applies to. */
    public enum Access {
        /** Loads, copies out, and read-modify-writes. */
        READ,
        /** Stores, copies in, fills, and read-modify-writes. */
        WRITE,
        /** Every access. */
        ANY;

        boolean matches(boolean read, boolean write) {
            return this == ANY || (this == READ && read) || (this == WRITE && write);
        }
    }

    private record Field(int size, int[] counts) {
    }

    private record Hook(int readNumber, Consumer<MemoryAccess> action) {
    }

    private static final class Fault {
        final long offset;
        final long length;
        final Access access;
        int allowed;

        Fault(long offset, long length, Access access, int allowed) {
            this.offset = offset;
            this.length = length;
            this.access = access;
            this.allowed = allowed;
        }
    }

    private static final int READS = 0;
    private static final int WRITES = 1;

    private final MemoryAccess real;
    private final Map<Long, Field> fields = new TreeMap<>();
    private final Map<Long, List<Hook>> hooks = new TreeMap<>();
    private final Map<Long, IntUnaryOperator> intScripts = new TreeMap<>();
    private final Map<Long, LongUnaryOperator> longScripts = new TreeMap<>();
    private final List<Fault> faults = new ArrayList<>();
    private int faulted;

    /**
     * Wraps real memory.
     *
     * @param real the memory the peer shares (its contents are used and changed for real)
     */
    public HostileMemory(MemoryAccess real) {
        this.real = Objects.requireNonNull(real, "real");
    }

    /**
     * Wraps a real segment (through {@link GuestMemory#wrap(MemorySegment)}).
     *
     * @param segment a page-aligned native segment of whole pages, e.g. {@code arena.allocate(4096, 4096)}
     */
    public HostileMemory(MemorySegment segment) {
        this(GuestMemory.wrap(segment));
    }

    /**
     * The memory underneath (accesses through it are neither counted nor scripted).
     *
     * @return the wrapped memory
     */
    public MemoryAccess real() {
        return real;
    }

    /**
     * The segment underneath, when the wrapped memory is a {@link GuestMemory}.
     *
     * @return the segment
     * @throws IllegalStateException when the wrapped memory is not a {@link GuestMemory}
     */
    public MemorySegment segment() {
        if (real instanceof GuestMemory g) {
            return g.segment();
        }
        throw new IllegalStateException("the wrapped memory is not a GuestMemory: " + real.getClass().getName());
    }

    /**
     * Registers a field whose reads and writes are counted (again: counters are kept).
     *
     * @param offset the field's byte offset (e.g. {@code SharedRingLayout.REQ_PROD_OFFSET})
     * @param size the field's size in bytes
     * @return this memory
     */
    public synchronized HostileMemory field(long offset, int size) {
        if (size <= 0 || !real.contains(offset, size)) {
            throw new IllegalArgumentException("field [" + offset + ", +" + size + ") outside the memory");
        }
        Field old = fields.get(offset);
        if (old == null || old.size() != size) {
            fields.put(offset, new Field(size, old == null ? new int[2] : old.counts()));
        }
        return this;
    }

    /**
     * How many accesses read a registered field so far (loads, copies out, read-modify-writes).
     *
     * @param offset the field's offset, as registered
     * @return the count
     * @throws IllegalArgumentException when no field is registered at {@code offset}
     */
    public synchronized int reads(long offset) {
        return registered(offset).counts()[READS];
    }

    /**
     * How many accesses wrote a registered field so far (stores, copies in, fills, read-modify-writes).
     *
     * @param offset the field's offset, as registered
     * @return the count
     * @throws IllegalArgumentException when no field is registered at {@code offset}
     */
    public synchronized int writes(long offset) {
        return registered(offset).counts()[WRITES];
    }

    /**
     * Resets every read and write counter to 0. Pending {@link #afterRead} actions whose read number
     * was not reached yet count from the reset.
     */
    public synchronized void resetReads() {
        for (Field f : fields.values()) {
            f.counts()[READS] = 0;
            f.counts()[WRITES] = 0;
        }
    }

    /**
     * After the first read of a field (registered here if needed), stores {@code laterValue} into the
     * real memory, so the second and every later read see a different value (double-fetch bait).
     *
     * @param offset the field's offset
     * @param size 1, 2, 4 or 8 bytes
     * @param laterValue the value the peer writes after the first read (truncated to {@code size})
     * @return this memory
     */
    public HostileMemory changeAfterFirstRead(long offset, int size, long laterValue) {
        checkScalar(size);
        return afterRead(offset, size, 1, m -> store(m, offset, size, laterValue));
    }

    /**
     * Runs {@code peerAction} against the real memory right after the {@code readNumber}-th read of a
     * field (1-based; the field is registered here if needed) has returned, before the caller can act
     * on it: a peer that writes exactly between two reads of the code under test.
     *
     * @param offset the field's offset
     * @param size the field's size in bytes
     * @param readNumber after which read (1 = after the first)
     * @param peerAction the peer's writes, made on {@link #real()} (not counted)
     * @return this memory
     */
    public synchronized HostileMemory afterRead(long offset, int size, int readNumber, Consumer<MemoryAccess> peerAction) {
        if (readNumber < 1) {
            throw new IllegalArgumentException("readNumber is 1-based: " + readNumber);
        }
        Objects.requireNonNull(peerAction, "peerAction");
        field(offset, size);
        hooks.computeIfAbsent(offset, k -> new ArrayList<>()).add(new Hook(readNumber, peerAction));
        return this;
    }

    /**
     * Runs {@code peerAction} right after each of the next {@code count} reads of a field, counted from the reads
     * made so far ({@link #afterRead(long, int, int, Consumer)} for each of them): a watcher that sees every access
     * the code under test makes from now on, up to a bound.
     *
     * @param offset the field's offset
     * @param size the field's size in bytes
     * @param count how many of the coming reads (at least 1)
     * @param peerAction run after each of them, on {@link #real()} (not counted)
     * @return this memory
     */
    public synchronized HostileMemory afterNextReads(long offset, int size, int count,
                                                    Consumer<MemoryAccess> peerAction) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive: " + count);
        }
        int sofar = field(offset, size).reads(offset);
        for (int n = sofar + 1; n <= sofar + count; n++) {
            afterRead(offset, size, n, peerAction);
        }
        return this;
    }

    /**
     * Makes every 32-bit load ({@code getInt}, {@code getIntAcquire}, {@code getIntVolatile}) at
     * {@code offset} return {@code values.applyAsInt(n)} for the n-th such load (0-based, counted from
     * the field's read counter). The field is registered, so its reads are counted too.
     *
     * @param offset the offset of a 32-bit field such as a producer index
     * @param values the value for each read number
     * @return this memory
     */
    public synchronized HostileMemory script(long offset, IntUnaryOperator values) {
        field(offset, 4);
        intScripts.put(offset, Objects.requireNonNull(values, "values"));
        return this;
    }

    /**
     * Makes the 32-bit loads at {@code offset} return {@code values} in turn, repeating the last.
     *
     * @param offset the offset of a 32-bit field
     * @param values the values (at least one)
     * @return this memory
     */
    public HostileMemory script(long offset, int... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("a script needs at least one value");
        }
        int[] copy = values.clone();
        return script(offset, n -> copy[Math.min(n, copy.length - 1)]);
    }

    /**
     * Makes every 64-bit load ({@code getLong}, {@code getLongAcquire}, {@code getLongVolatile}) at
     * {@code offset} return {@code values.applyAsLong(n)} for the n-th such load (0-based).
     *
     * @param offset the offset of a 64-bit field such as a pending-bitmap word
     * @param values the value for each read number
     * @return this memory
     */
    public synchronized HostileMemory scriptLong(long offset, LongUnaryOperator values) {
        field(offset, 8);
        longScripts.put(offset, Objects.requireNonNull(values, "values"));
        return this;
    }

    /**
     * Makes every {@code access} overlapping {@code [offset, offset + length)} throw
     * {@link GuestMemoryFault} without touching memory.
     *
     * @param offset the first faulting byte
     * @param length how many bytes fault
     * @param access which accesses fault
     * @return this memory
     */
    public HostileMemory fault(long offset, long length, Access access) {
        return faultAfter(offset, length, access, 0);
    }

    /**
     * Lets the first {@code allowed} matching accesses through, then faults every later one (a page the
     * peer unmaps while the code under test works on it).
     *
     * @param offset the first faulting byte
     * @param length how many bytes fault
     * @param access which accesses fault
     * @param allowed how many matching accesses succeed first
     * @return this memory
     */
    public synchronized HostileMemory faultAfter(long offset, long length, Access access, int allowed) {
        if (length <= 0 || !real.contains(offset, length)) {
            throw new IllegalArgumentException("fault range [" + offset + ", +" + length + ") outside the memory");
        }
        if (allowed < 0) {
            throw new IllegalArgumentException("allowed must be >= 0: " + allowed);
        }
        faults.add(new Fault(offset, length, Objects.requireNonNull(access, "access"), allowed));
        return this;
    }

    /**
     * How many accesses were faulted so far.
     *
     * @return the count
     */
    public synchronized int faulted() {
        return faulted;
    }

    // ---- MemoryAccess ----------------------------------------------------------------------------

    @Override
    public long byteSize() {
        return real.byteSize();
    }

    @Override
    public boolean contains(long gpa, long length) {
        return real.contains(gpa, length);
    }

    @Override
    public byte getByte(long gpa) {
        before(gpa, 1, true, false);
        byte v = real.getByte(gpa);
        afterAccess(gpa, 1, true, false);
        return v;
    }

    @Override
    public void setByte(long gpa, byte value) {
        before(gpa, 1, false, true);
        real.setByte(gpa, value);
        afterAccess(gpa, 1, false, true);
    }

    @Override
    public short getShort(long gpa) {
        before(gpa, 2, true, false);
        short v = real.getShort(gpa);
        afterAccess(gpa, 2, true, false);
        return v;
    }

    @Override
    public void setShort(long gpa, short value) {
        before(gpa, 2, false, true);
        real.setShort(gpa, value);
        afterAccess(gpa, 2, false, true);
    }

    @Override
    public int getInt(long gpa) {
        before(gpa, 4, true, false);
        return loadInt(gpa, real.getInt(gpa));
    }

    @Override
    public void setInt(long gpa, int value) {
        before(gpa, 4, false, true);
        real.setInt(gpa, value);
        afterAccess(gpa, 4, false, true);
    }

    @Override
    public long getLong(long gpa) {
        before(gpa, 8, true, false);
        return loadLong(gpa, real.getLong(gpa));
    }

    @Override
    public void setLong(long gpa, long value) {
        before(gpa, 8, false, true);
        real.setLong(gpa, value);
        afterAccess(gpa, 8, false, true);
    }

    @Override
    public void read(long gpa, byte[] dst, int offset, int length) {
        before(gpa, length, true, false);
        real.read(gpa, dst, offset, length);
        afterAccess(gpa, length, true, false);
    }

    @Override
    public void write(long gpa, byte[] src, int offset, int length) {
        before(gpa, length, false, true);
        real.write(gpa, src, offset, length);
        afterAccess(gpa, length, false, true);
    }

    @Override
    public void copyOut(long gpa, MemorySegment dst, long dstOffset, long length) {
        before(gpa, length, true, false);
        real.copyOut(gpa, dst, dstOffset, length);
        afterAccess(gpa, length, true, false);
    }

    @Override
    public void copyIn(MemorySegment src, long srcOffset, long gpa, long length) {
        before(gpa, length, false, true);
        real.copyIn(src, srcOffset, gpa, length);
        afterAccess(gpa, length, false, true);
    }

    @Override
    public void fill(long gpa, long length, byte value) {
        before(gpa, length, false, true);
        real.fill(gpa, length, value);
        afterAccess(gpa, length, false, true);
    }

    @Override
    public void releaseFence() {
        real.releaseFence();
    }

    @Override
    public int getIntAcquire(long gpa) {
        before(gpa, 4, true, false);
        return loadInt(gpa, real.getIntAcquire(gpa));
    }

    @Override
    public void setIntRelease(long gpa, int value) {
        before(gpa, 4, false, true);
        real.setIntRelease(gpa, value);
        afterAccess(gpa, 4, false, true);
    }

    @Override
    public int getIntVolatile(long gpa) {
        before(gpa, 4, true, false);
        return loadInt(gpa, real.getIntVolatile(gpa));
    }

    @Override
    public void setIntVolatile(long gpa, int value) {
        before(gpa, 4, false, true);
        real.setIntVolatile(gpa, value);
        afterAccess(gpa, 4, false, true);
    }

    @Override
    public boolean compareAndSetInt(long gpa, int expect, int update) {
        before(gpa, 4, true, true);
        boolean v = real.compareAndSetInt(gpa, expect, update);
        afterAccess(gpa, 4, true, true);
        return v;
    }

    @Override
    public int compareAndExchangeInt(long gpa, int expect, int update) {
        before(gpa, 4, true, true);
        int v = real.compareAndExchangeInt(gpa, expect, update);
        afterAccess(gpa, 4, true, true);
        return v;
    }

    @Override
    public int getAndBitwiseOrInt(long gpa, int bits) {
        before(gpa, 4, true, true);
        int v = real.getAndBitwiseOrInt(gpa, bits);
        afterAccess(gpa, 4, true, true);
        return v;
    }

    @Override
    public int getAndBitwiseAndInt(long gpa, int mask) {
        before(gpa, 4, true, true);
        int v = real.getAndBitwiseAndInt(gpa, mask);
        afterAccess(gpa, 4, true, true);
        return v;
    }

    @Override
    public int getAndAddInt(long gpa, int delta) {
        before(gpa, 4, true, true);
        int v = real.getAndAddInt(gpa, delta);
        afterAccess(gpa, 4, true, true);
        return v;
    }

    @Override
    public int getAndSetInt(long gpa, int value) {
        before(gpa, 4, true, true);
        int v = real.getAndSetInt(gpa, value);
        afterAccess(gpa, 4, true, true);
        return v;
    }

    @Override
    public long getLongAcquire(long gpa) {
        before(gpa, 8, true, false);
        return loadLong(gpa, real.getLongAcquire(gpa));
    }

    @Override
    public void setLongRelease(long gpa, long value) {
        before(gpa, 8, false, true);
        real.setLongRelease(gpa, value);
        afterAccess(gpa, 8, false, true);
    }

    @Override
    public long getLongVolatile(long gpa) {
        before(gpa, 8, true, false);
        return loadLong(gpa, real.getLongVolatile(gpa));
    }

    @Override
    public void setLongVolatile(long gpa, long value) {
        before(gpa, 8, false, true);
        real.setLongVolatile(gpa, value);
        afterAccess(gpa, 8, false, true);
    }

    @Override
    public boolean compareAndSetLong(long gpa, long expect, long update) {
        before(gpa, 8, true, true);
        boolean v = real.compareAndSetLong(gpa, expect, update);
        afterAccess(gpa, 8, true, true);
        return v;
    }

    @Override
    public long getAndBitwiseOrLong(long gpa, long bits) {
        before(gpa, 8, true, true);
        long v = real.getAndBitwiseOrLong(gpa, bits);
        afterAccess(gpa, 8, true, true);
        return v;
    }

    @Override
    public long getAndBitwiseAndLong(long gpa, long mask) {
        before(gpa, 8, true, true);
        long v = real.getAndBitwiseAndLong(gpa, mask);
        afterAccess(gpa, 8, true, true);
        return v;
    }

    @Override
    public long getAndSetLong(long gpa, long value) {
        before(gpa, 8, true, true);
        long v = real.getAndSetLong(gpa, value);
        afterAccess(gpa, 8, true, true);
        return v;
    }

    @Override
    public int getAndBitwiseOrByte(long gpa, int bits) {
        before(gpa, 1, true, true);
        int v = real.getAndBitwiseOrByte(gpa, bits);
        afterAccess(gpa, 1, true, true);
        return v;
    }

    @Override
    public int getAndBitwiseAndByte(long gpa, int mask) {
        before(gpa, 1, true, true);
        int v = real.getAndBitwiseAndByte(gpa, mask);
        afterAccess(gpa, 1, true, true);
        return v;
    }

    @Override
    public int getAndBitwiseOrShort(long gpa, int bits) {
        before(gpa, 2, true, true);
        int v = real.getAndBitwiseOrShort(gpa, bits);
        afterAccess(gpa, 2, true, true);
        return v;
    }

    @Override
    public int getAndBitwiseAndShort(long gpa, int mask) {
        before(gpa, 2, true, true);
        int v = real.getAndBitwiseAndShort(gpa, mask);
        afterAccess(gpa, 2, true, true);
        return v;
    }

    @Override
    public String toString() {
        return "HostileMemory[" + real + "]";
    }

    // ---- internals -------------------------------------------------------------------------------

    private Field registered(long offset) {
        Field f = fields.get(offset);
        if (f == null) {
            throw new IllegalArgumentException("no field registered at offset " + offset);
        }
        return f;
    }

    private int loadInt(long gpa, int value) {
        IntUnaryOperator script;
        int n;
        synchronized (this) {
            script = intScripts.get(gpa);
            n = script == null ? 0 : fields.get(gpa).counts()[READS];
        }
        afterAccess(gpa, 4, true, false);
        return script == null ? value : script.applyAsInt(n);
    }

    private long loadLong(long gpa, long value) {
        LongUnaryOperator script;
        int n;
        synchronized (this) {
            script = longScripts.get(gpa);
            n = script == null ? 0 : fields.get(gpa).counts()[READS];
        }
        afterAccess(gpa, 8, true, false);
        return script == null ? value : script.applyAsLong(n);
    }

    /** Throws a fault, touching nothing, when a registered fault matches the access. */
    private synchronized void before(long gpa, long length, boolean read, boolean write) {
        for (Fault f : faults) {
            boolean matches = f.access.matches(read, write) && overlaps(gpa, length, f.offset, f.length);
            if (matches) {
                if (f.allowed > 0) {
                    f.allowed--;
                } else {
                    faulted++;
                    throw new GuestMemoryFault("hostile peer faulted this " + (write ? "write" : "read"), gpa, length);
                }
            }
        }
    }

    /** Counts the access for every overlapped field and runs the peer actions due after a read. */
    private void afterAccess(long gpa, long length, boolean read, boolean write) {
        List<Consumer<MemoryAccess>> due = null;
        synchronized (this) {
            for (Map.Entry<Long, Field> e : fields.entrySet()) {
                long start = e.getKey();
                Field f = e.getValue();
                if (!overlaps(gpa, length, start, f.size())) {
                    continue;
                }
                if (write) {
                    f.counts()[WRITES]++;
                }
                if (read) {
                    int count = ++f.counts()[READS];
                    List<Hook> hs = hooks.get(start);
                    if (hs != null) {
                        for (Hook h : hs) {
                            if (h.readNumber() == count) {
                                if (due == null) {
                                    due = new ArrayList<>();
                                }
                                due.add(h.action());
                            }
                        }
                    }
                }
            }
        }
        if (due != null) {
            for (Consumer<MemoryAccess> action : due) {
                action.accept(real);
            }
        }
    }

    private static boolean overlaps(long a, long aLength, long b, long bLength) {
        return a < b + bLength && b < a + aLength;
    }

    private static void checkScalar(int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("size must be 1, 2, 4 or 8: " + size);
        }
    }

    private static void store(MemoryAccess m, long offset, int size, long value) {
        switch (size) {
            case 1 -> m.setByte(offset, (byte) value);
            case 2 -> m.setShort(offset, (short) value);
            case 4 -> m.setInt(offset, (int) value);
            default -> m.setLong(offset, value);
        }
    }
}
