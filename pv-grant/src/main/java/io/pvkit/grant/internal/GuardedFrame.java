package io.pvkit.grant.internal;

import io.pvkit.abi.memory.GuestMemory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

/**
 * The accesses of a binding to one CHECKED host mapping: a window on the granted frame of the granter's own memory
 * segment (no alias, no arena, no restricted call), every access checked against the mapping's {@link ViewGuard}
 * with the epoch the binding was made for. {@link CheckedView} binds once (the {@code GrantView} of a mapping);
 * {@link CheckedCursor} rebinds (one object for any number of mappings, so accessing a mapping allocates nothing).
 *
 * <p>Writes, bulk copies and channel transfers enter the guard before touching the frame (else they throw) and exit
 * after; the exit that ends the last access after a revocation completes the mapping's release. Scalar reads read,
 * then check the guard after a load-load fence and throw instead of returning: the pins drop only after the guard is
 * revoked, and the granter rewrites the page only after it saw them drop, so a value read from a reused page (or
 * from a page the slot's next mapping pinned) is always followed by a check that sees the revocation or the new
 * epoch. The binding's frame and memory are copied at bind time from the live mapping: an access never reads which
 * frame to use from state another mapping could have changed.
 */
abstract class GuardedFrame {
    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** What an unbound binding reads (then throws): a native page, like every granter's memory. */
    private static final MemorySegment NO_FRAME = Arena.global().allocate(GuestMemory.PAGE_SIZE).asReadOnly();

    /** The granter's whole memory (read-only for a read-only mapping); the frame is at {@link #base}. */
    MemorySegment memory = NO_FRAME;
    long base;
    /** False while unbound, so that a write to an unbound cursor throws {@link IllegalStateException} (not bound). */
    boolean readOnly;
    /** The guard of the bound mapping, and the epoch this binding was made for. */
    ViewGuard guard = ViewGuard.DEAD;
    int epoch;
    /** Told when the last access in flight after a revocation ends. */
    MappingRelease release;

    /** Sets the binding to the live CHECKED host mapping {@code m}. Caller holds the registry lock. */
    final void bindTo(Mapping m, MappingRelease release) {
        this.memory = m.readOnly ? m.granter.readOnlyMemory() : m.granter.memory.segment();
        this.base = GuestMemory.gpaOf(m.frame);
        this.readOnly = m.readOnly;
        this.guard = m.guard;
        this.epoch = m.epoch;
        this.release = release;
    }

    /** Drops the binding: every access throws until the next bind. */
    final void unbindFields() {
        this.memory = NO_FRAME;
        this.base = 0;
        this.readOnly = false;
        this.guard = ViewGuard.DEAD;
        this.epoch = 0;
        this.release = null;
    }

    /** Throws when the calling thread may not use this binding (a cursor used by another thread). */
    abstract void checkThread();

    // ------------------------------------------------------------------------------------ lifecycle

    private void enter() {
        if (!guard.enter(epoch)) {
            throw unmapped();
        }
    }

    private void exit() {
        if (guard.exit(epoch)) {
            release.viewQuiescent(guard.mapping, epoch);
        }
    }

    private void validate() {
        // ORDERING: the load of the data must not move below the load of the state (seqlock validation)
        java.lang.invoke.VarHandle.loadLoadFence();
        if (!guard.isLive(epoch)) {
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
        checkThread();
        return base + Objects.checkFromIndexSize(offset, size, GuestMemory.PAGE_SIZE);
    }

    // -------------------------------------------------------------------------------------- reading

    /** @return 4096 */
    public final long byteSize() {
        return GuestMemory.PAGE_SIZE;
    }

    /** @return whether writes are refused */
    public final boolean isReadOnly() {
        return readOnly;
    }

    /** @return whether the bound mapping is still mapped (advisory) */
    public final boolean isAlive() {
        return guard.isLive(epoch);
    }

    /** @return the byte at {@code offset} of the frame */
    public final byte getByte(long offset) {
        byte v = memory.get(ValueLayout.JAVA_BYTE, at(offset, 1));
        validate();
        return v;
    }

    /** @return the little-endian 16-bit value at {@code offset} */
    public final short getShort(long offset) {
        short v = memory.get(U16, at(offset, 2));
        validate();
        return v;
    }

    /** @return the little-endian 32-bit value at {@code offset} */
    public final int getInt(long offset) {
        int v = memory.get(U32, at(offset, 4));
        validate();
        return v;
    }

    /** @return the little-endian 64-bit value at {@code offset} */
    public final long getLong(long offset) {
        long v = memory.get(U64, at(offset, 8));
        validate();
        return v;
    }

    // -------------------------------------------------------------------------------------- writing

    /** Writes a byte. */
    public final void setByte(long offset, byte value) {
        checkWritable();
        long a = at(offset, 1);
        enter();
        try {
            memory.set(ValueLayout.JAVA_BYTE, a, value);
        } finally {
            exit();
        }
    }

    /** Writes a little-endian 16-bit value. */
    public final void setShort(long offset, short value) {
        checkWritable();
        long a = at(offset, 2);
        enter();
        try {
            memory.set(U16, a, value);
        } finally {
            exit();
        }
    }

    /** Writes a little-endian 32-bit value. */
    public final void setInt(long offset, int value) {
        checkWritable();
        long a = at(offset, 4);
        enter();
        try {
            memory.set(U32, a, value);
        } finally {
            exit();
        }
    }

    /** Writes a little-endian 64-bit value. */
    public final void setLong(long offset, long value) {
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

    /** Copies bytes out of the frame. */
    public final void copyTo(long offset, MemorySegment dst, long dstOffset, long length) {
        long a = at(offset, length);
        enter();
        try {
            MemorySegment.copy(memory, a, dst, dstOffset, length);
        } finally {
            exit();
        }
    }

    /** Copies bytes into the frame. */
    public final void copyFrom(MemorySegment src, long srcOffset, long offset, long length) {
        checkWritable();
        long a = at(offset, length);
        enter();
        try {
            MemorySegment.copy(src, srcOffset, memory, a, length);
        } finally {
            exit();
        }
    }

    /** One read from a channel into the frame; answers what the channel returned. */
    public final int readFrom(ReadableByteChannel channel, long offset, int length) throws IOException {
        checkWritable();
        long a = at(offset, length);
        enter();
        try {
            return channel.read(memory.asSlice(a, length).asByteBuffer());
        } finally {
            exit();
        }
    }

    /** One positional read from a file into the frame; answers what the channel returned. */
    public final int readFrom(FileChannel channel, long position, long offset, int length) throws IOException {
        checkWritable();
        long a = at(offset, length);
        enter();
        try {
            return channel.read(memory.asSlice(a, length).asByteBuffer(), position);
        } finally {
            exit();
        }
    }

    /** One write of bytes of the frame to a channel; answers what the channel returned. */
    public final int writeTo(WritableByteChannel channel, long offset, int length) throws IOException {
        long a = at(offset, length);
        enter();
        try {
            return channel.write(memory.asSlice(a, length).asByteBuffer());
        } finally {
            exit();
        }
    }

    /** One positional write of bytes of the frame to a file; answers what the channel returned. */
    public final int writeTo(FileChannel channel, long position, long offset, int length) throws IOException {
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
        return getClass().getSimpleName() + "[frame " + GuestMemory.gfnOf(base) + (readOnly ? ", read-only" : "")
                + ", " + guard + "]";
    }
}
