package io.pvkit.grant.internal;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.GrantView;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

/**
 * The {@link GrantView} of a CHECKED host mapping: a window on the granted frame of the granter's own memory
 * segment (no alias, no arena, no restricted call), guarded by one state word.
 *
 * <p><b>State word.</b> Bit 31 is {@code REVOKED}; bits 0..30 count the accesses in flight that write the
 * frame or take time (scalar writes, bulk copies, channel transfers). Such an access <em>enters</em> with a
 * CAS that adds one only while {@code REVOKED} is clear (else it throws before touching the frame), runs, and
 * <em>exits</em> by subtracting one. The release path revokes with one atomic OR and drops the pins at once
 * if the count it replaced was zero; otherwise the access whose exit takes the word from
 * {@code REVOKED|1} to {@code REVOKED} tells {@link MappingRelease}, which drops them then. Exactly one of the
 * two sees the last use end, so the pins drop exactly once and never while a write can still land.
 *
 * <p><b>Scalar reads</b> do not enter: they read, then (after a load-load fence) check {@code REVOKED}, and
 * throw instead of returning a value if it is set (a seqlock's validation). The pins drop only after
 * {@code REVOKED} is set, and the granter can rewrite the page only after it saw them drop, so a value read
 * from a reused page is always followed by a check that sees {@code REVOKED}.
 */
public final class CheckedView implements GrantView {
    private static final int REVOKED = 1 << 31;
    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(CheckedView.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The granter's whole memory (read-only for a read-only mapping); the frame is at {@link #base}. */
    private final MemorySegment memory;
    private final long base;
    private final boolean readOnly;
    /** Told when the last access in flight after a revocation ends. */
    private final MappingRelease release;
    private final Mapping mapping;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    /**
     * @param memory the granter's memory segment (its read-only view for a read-only mapping)
     * @param frame the granted frame (already validated against the granter's memory)
     * @param readOnly whether writes are refused
     * @param release the release path to tell when a deferred release may complete
     * @param mapping the mapping this view belongs to
     */
    CheckedView(MemorySegment memory, long frame, boolean readOnly, MappingRelease release, Mapping mapping) {
        this.memory = memory;
        this.base = GuestMemory.gpaOf(frame);
        this.readOnly = readOnly;
        this.release = release;
        this.mapping = mapping;
    }

    // ------------------------------------------------------------------------------------ lifecycle

    /**
     * Revokes the view: from now on no access starts. Called once, by the release path.
     *
     * @return true when no access is in flight (the pins may drop now); false when the last one will tell
     *     {@link MappingRelease#viewQuiescent} as it exits
     */
    boolean revoke() {
        // ORDERING: full-fence RMW; an enter that succeeded before it is counted in the value replaced
        int before = (int) STATE.getAndBitwiseOr(this, REVOKED);
        return (before & ~REVOKED) == 0;
    }

    /** @return true once revoked with no access in flight */
    boolean quiescent() {
        return (int) STATE.getVolatile(this) == REVOKED;
    }

    private void enter() {
        int s = (int) STATE.getVolatile(this);
        while (true) {
            if (s < 0) {
                throw unmapped();
            }
            int witness = (int) STATE.compareAndExchange(this, s, s + 1);
            if (witness == s) {
                return;
            }
            s = witness;
        }
    }

    private void exit() {
        // ORDERING: release of the accesses above; the last exit after a revocation completes the release
        int before = (int) STATE.getAndAdd(this, -1);
        if (before == (REVOKED | 1)) {
            release.viewQuiescent(mapping);
        }
    }

    private void validate() {
        // ORDERING: the load of the data must not move below the load of the state (seqlock validation)
        VarHandle.loadLoadFence();
        if ((int) STATE.getVolatile(this) < 0) {
            throw unmapped();
        }
    }

    private void checkWritable() {
        if (readOnly) {
            throw new UnsupportedOperationException("read-only grant mapping");
        }
    }

    private static IllegalStateException unmapped() {
        return new IllegalStateException("grant mapping was unmapped");
    }

    private long at(long offset, long size) {
        return base + Objects.checkFromIndexSize(offset, size, GuestMemory.PAGE_SIZE);
    }

    // -------------------------------------------------------------------------------------- reading

    @Override
    public long byteSize() {
        return GuestMemory.PAGE_SIZE;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public boolean isAlive() {
        return (int) STATE.getVolatile(this) >= 0;
    }

    @Override
    public byte getByte(long offset) {
        byte v = memory.get(ValueLayout.JAVA_BYTE, at(offset, 1));
        validate();
        return v;
    }

    @Override
    public short getShort(long offset) {
        short v = memory.get(U16, at(offset, 2));
        validate();
        return v;
    }

    @Override
    public int getInt(long offset) {
        int v = memory.get(U32, at(offset, 4));
        validate();
        return v;
    }

    @Override
    public long getLong(long offset) {
        long v = memory.get(U64, at(offset, 8));
        validate();
        return v;
    }

    // -------------------------------------------------------------------------------------- writing

    @Override
    public void setByte(long offset, byte value) {
        checkWritable();
        long a = at(offset, 1);
        enter();
        try {
            memory.set(ValueLayout.JAVA_BYTE, a, value);
        } finally {
            exit();
        }
    }

    @Override
    public void setShort(long offset, short value) {
        checkWritable();
        long a = at(offset, 2);
        enter();
        try {
            memory.set(U16, a, value);
        } finally {
            exit();
        }
    }

    @Override
    public void setInt(long offset, int value) {
        checkWritable();
        long a = at(offset, 4);
        enter();
        try {
            memory.set(U32, a, value);
        } finally {
            exit();
        }
    }

    @Override
    public void setLong(long offset, long value) {
        checkWritable();
        long a = at(offset, 8);
        enter();
        try {
            memory.set(U64, a, value);
        } finally {
            exit();
        }
    }

    // ----------------------------------------------------------------------------------------- bulk

    @Override
    public void copyTo(long offset, MemorySegment dst, long dstOffset, long length) {
        long a = at(offset, length);
        enter();
        try {
            MemorySegment.copy(memory, a, dst, dstOffset, length);
        } finally {
            exit();
        }
    }

    @Override
    public void copyFrom(MemorySegment src, long srcOffset, long offset, long length) {
        checkWritable();
        long a = at(offset, length);
        enter();
        try {
            MemorySegment.copy(src, srcOffset, memory, a, length);
        } finally {
            exit();
        }
    }

    @Override
    public int readFrom(ReadableByteChannel channel, long offset, int length) throws IOException {
        checkWritable();
        long a = at(offset, length);
        enter();
        try {
            return channel.read(memory.asSlice(a, length).asByteBuffer());
        } finally {
            exit();
        }
    }

    @Override
    public int readFrom(FileChannel channel, long position, long offset, int length) throws IOException {
        checkWritable();
        long a = at(offset, length);
        enter();
        try {
            return channel.read(memory.asSlice(a, length).asByteBuffer(), position);
        } finally {
            exit();
        }
    }

    @Override
    public int writeTo(WritableByteChannel channel, long offset, int length) throws IOException {
        long a = at(offset, length);
        enter();
        try {
            return channel.write(memory.asSlice(a, length).asByteBuffer());
        } finally {
            exit();
        }
    }

    @Override
    public int writeTo(FileChannel channel, long position, long offset, int length) throws IOException {
        long a = at(offset, length);
        enter();
        try {
            return channel.write(memory.asSlice(a, length).asByteBuffer(), position);
        } finally {
            exit();
        }
    }

    @Override
    public String toString() {
        int s = (int) STATE.getVolatile(this);
        return "GrantView[frame " + GuestMemory.gfnOf(base) + (readOnly ? ", read-only" : "")
                + (s < 0 ? ", unmapped" : "") + ", in flight " + (s & ~REVOKED) + "]";
    }
}
