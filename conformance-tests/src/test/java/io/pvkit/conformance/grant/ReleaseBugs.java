package io.pvkit.conformance.grant;

import io.pvkit.abi.grant.GnttabMapGrantRefLayout;
import io.pvkit.abi.grant.GnttabUnmapGrantRefLayout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.BrokenVerification;
import io.pvkit.conformance.grant.GrantTableVerificationSelfTest.Buggy;
import io.pvkit.conformance.spi.DomainUnderTest;
import io.pvkit.conformance.spi.HypervisorUnderTest;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broken implementations that the release rules (GNT-37 .. GNT-39) catch and the kit before them did not: releases
 * of host mappings with one bug each (a device-part unmap that ends the host accessors too, a release from another
 * thread that waits for settle although nothing can use the mapping any more, a release that waits only for I/O through
 * the view and not through the other accessors, a settle that completes every waiting release once one access returned,
 * a mapping thread's accessors that keep working after another thread's unmap dropped the pins), over pv-grant's real
 * tables with the bug around them; listed in {@link GrantTableVerificationSelfTest#brokenImplementations()}. Not test
 * classes themselves (nested, so no runner selects them).
 */
final class ReleaseBugs {
    private static final int OKAY = GrantStatus.OKAY.code();
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;

    private ReleaseBugs() {
    }

    static long key(int domid, int handle) {
        return ((long) domid << 32) | (handle & 0xFFFFFFFFL);
    }

    /**
     * A broken verification over a pv-grant hypervisor that sees every single-element map and unmap (who made it, which
     * parts, the entry's busy bits before it), every view asked for, and every channel transfer in flight through the
     * accessors it hands out ({@link TrackedFrame}); a bug overrides the hooks.
     */
    abstract static class Tracked extends BrokenVerification {
        /** Channel transfers in flight through the accessors of a mapping, by (mapper, handle). */
        final Map<Long, AtomicInteger> inFlight = new ConcurrentHashMap<>();
        /** The mappings whose view ({@link #mappingView}) was asked for. */
        final Set<Long> viewed = ConcurrentHashMap.newKeySet();

        /** pv-grant behind grant_table_op, reporting maps and unmaps to the bug's hooks. */
        final class TrackingHypervisor extends Buggy {
            /** The thread that made each mapping. */
            final Map<Long, Thread> mappedBy = new ConcurrentHashMap<>();

            @Override
            long bug(HypercallContext c, long cmd, long uops, long count) {
                GuestMemory m = c.memory();
                if (count == 1 && is(cmd, GrantTableOp.UNMAP_GRANT_REF)) {
                    int handle = m.getInt(uops + GnttabUnmapGrantRefLayout.HANDLE_OFFSET);
                    long hostAddr = m.getLong(uops + GnttabUnmapGrantRefLayout.HOST_ADDR_OFFSET);
                    long devBusAddr = m.getLong(uops + GnttabUnmapGrantRefLayout.DEV_BUS_ADDR_OFFSET);
                    long k = key(c.domid(), handle);
                    long[] mapped = maps.get(k);
                    int before = mapped != null && dom((int) mapped[0]) != null ? busy(mapped) : 0;
                    long rc = real(c, cmd, uops, count);
                    if (rc == 0 && mapped != null && dom((int) mapped[0]) != null
                            && m.getShort(uops + GnttabUnmapGrantRefLayout.STATUS_OFFSET) == OKAY) {
                        unmapped(this, k, mapped, hostAddr, devBusAddr, before);
                    }
                    return rc;
                }
                long rc = real(c, cmd, uops, count);
                if (count == 1 && is(cmd, GrantTableOp.MAP_GRANT_REF) && rc == 0
                        && m.getShort(uops + GnttabMapGrantRefLayout.STATUS_OFFSET) == OKAY) {
                    mappedBy.put(key(c.domid(), m.getInt(uops + GnttabMapGrantRefLayout.HANDLE_OFFSET)),
                            Thread.currentThread());
                }
                return rc;
            }

            /** The busy bits of the entry of a recorded mapping. */
            int busy(long[] mapped) {
                return dom((int) mapped[0]).memory.getIntVolatile(entry((int) mapped[0], mapped[1])) & BUSY;
            }

            /** Sets busy bits of the entry of a recorded mapping back (a pin the bug keeps). */
            void setBits(long[] mapped, int bits) {
                dom((int) mapped[0]).memory.getAndBitwiseOrInt(entry((int) mapped[0], mapped[1]), bits);
            }

            @Override
            void settle() {
                settling(this);
                super.settle();
            }
        }

        @Override
        PvGrantHypervisor broken() {
            return new TrackingHypervisor();
        }

        /** Called after each successful single-element unmap of a recorded mapping whose granter lives. */
        void unmapped(TrackingHypervisor h, long key, long[] mapped, long hostAddr, long devBusAddr, int busyBefore) {
        }

        /** Called at the start of each settle. */
        void settling(TrackingHypervisor h) {
        }

        /** Which accessors an access of {@code f} uses; the implementation's own by default. */
        MappedFrame pick(TrackedFrame f) {
            return f.real;
        }

        int inFlight(long key) {
            AtomicInteger n = inFlight.get(key);
            return n == null ? 0 : n.get();
        }

        @Override
        protected MemorySegment mappingView(HypervisorUnderTest hypervisor, DomainUnderTest mapper, int handle) {
            viewed.add(key(mapper.domid(), handle));
            return super.mappingView(hypervisor, mapper, handle);
        }

        /**
         * The mapping's segment through a {@link TrackedFrame} (not through {@link #mappingView}, which records a view
         * asked for); for a handle that is not a live host mapping, a dead segment, as pv-grant's own adapter does.
         */
        @Override
        protected MappedFrame mappedFrame(HypervisorUnderTest hypervisor, DomainUnderTest mapper, int handle) {
            MemorySegment view = ((PvGrantHypervisor) hypervisor).tables.segmentOf(mapper.domid(), handle);
            MappedFrame real = MappedFrame.of(view != null ? view : dead());
            long k = key(mapper.domid(), handle);
            return new TrackedFrame(this, k, real, Thread.currentThread(),
                    view == null || !((Buggy) hypervisor).maps.containsKey(k) ? null
                            : ViewBugs.Granted.of(hypervisor, mapper, handle));
        }

        private static MemorySegment dead() {
            Arena ended = Arena.ofShared();
            MemorySegment s = ended.allocate(GuestMemory.PAGE_SIZE);
            ended.close();
            return s;
        }
    }

    /**
     * The accessors a {@link Tracked} verification hands out: each access goes where the bug's {@link Tracked#pick}
     * says, and channel transfers count themselves in flight for their mapping.
     */
    static final class TrackedFrame implements MappedFrame {
        final Tracked owner;
        final long key;
        final MappedFrame real;
        /** The thread that asked for these accessors (the mapping's thread in the rules). */
        final Thread thread;
        /** The granted frame, reached around the mapping, or null for accessors of an ended mapping. */
        final ViewBugs.Granted granted;

        TrackedFrame(Tracked owner, long key, MappedFrame real, Thread thread, ViewBugs.Granted granted) {
            this.owner = owner;
            this.key = key;
            this.real = real;
            this.thread = thread;
            this.granted = granted;
        }

        private MappedFrame to() {
            return owner.pick(this);
        }

        /** A channel transfer through the frame. */
        private interface Transfer {
            int run() throws IOException;
        }

        /** Runs {@code transfer} counted as in flight on this frame's mapping. */
        private int counted(Transfer transfer) throws IOException {
            AtomicInteger n = counter();
            n.incrementAndGet();
            try {
                return transfer.run();
            } finally {
                n.decrementAndGet();
            }
        }

        private AtomicInteger counter() {
            return owner.inFlight.computeIfAbsent(key, k -> new AtomicInteger());
        }

        @Override
        public long byteSize() {
            return to().byteSize();
        }

        @Override
        public boolean isReadOnly() {
            return to().isReadOnly();
        }

        @Override
        public boolean isAlive() {
            return to().isAlive();
        }

        @Override
        public byte getByte(long offset) {
            return to().getByte(offset);
        }

        @Override
        public short getShort(long offset) {
            return to().getShort(offset);
        }

        @Override
        public int getInt(long offset) {
            return to().getInt(offset);
        }

        @Override
        public long getLong(long offset) {
            return to().getLong(offset);
        }

        @Override
        public void setByte(long offset, byte value) {
            to().setByte(offset, value);
        }

        @Override
        public void setShort(long offset, short value) {
            to().setShort(offset, value);
        }

        @Override
        public void setInt(long offset, int value) {
            to().setInt(offset, value);
        }

        @Override
        public void setLong(long offset, long value) {
            to().setLong(offset, value);
        }

        @Override
        public void copyTo(long offset, MemorySegment dst, long dstOffset, long length) {
            to().copyTo(offset, dst, dstOffset, length);
        }

        @Override
        public void copyFrom(MemorySegment src, long srcOffset, long offset, long length) {
            to().copyFrom(src, srcOffset, offset, length);
        }

        @Override
        public int writeTo(WritableByteChannel channel, long offset, int length) throws IOException {
            return counted(() -> to().writeTo(channel, offset, length));
        }

        @Override
        public int readFrom(ReadableByteChannel channel, long offset, int length) throws IOException {
            return counted(() -> to().readFrom(channel, offset, length));
        }

        @Override
        public int writeTo(FileChannel channel, long position, long offset, int length) throws IOException {
            return counted(() -> to().writeTo(channel, position, offset, length));
        }

        @Override
        public int readFrom(FileChannel channel, long position, long offset, int length) throws IOException {
            return counted(() -> to().readFrom(channel, position, offset, length));
        }
    }

    /** Accessors whose every access throws IllegalStateException (a closed shared arena's segment). */
    static MappedFrame deadFrame() {
        return MappedFrame.of(Tracked.dead());
    }

    // ------------------------------------------------------------------------------------------ GNT-37

    /**
     * GNT-37: the unmap of the device part alone also ends the host part's accessors (the test of the kinds removed
     * reads {@code removed | GNTMAP_host_map}): pins and handle stay right, but the backend's host mapping is dead
     * under it.
     */
    static final class DeviceUnmapEndsHostAccessors extends Tracked {
        final Set<Long> deviceOnly = ConcurrentHashMap.newKeySet();

        @Override
        void unmapped(TrackingHypervisor h, long key, long[] mapped, long hostAddr, long devBusAddr, int busyBefore) {
            if (hostAddr == 0 && devBusAddr != 0) {
                deviceOnly.add(key);
            }
        }

        @Override
        MappedFrame pick(TrackedFrame f) {
            return deviceOnly.contains(f.key) ? deadFrame() : f.real;
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-38

    /**
     * GNT-38: a release made by another thread than the mapping's is left to settle, as if the mapping thread could
     * still use the view, even when nothing is in flight and that thread has ended (a confined view whose owner is
     * not asked whether it is alive): the pins stay after the unmap returned.
     */
    static final class ForeignReleaseWaitsForSettle extends Tracked {
        final List<long[]> kept = new CopyOnWriteArrayList<>();

        @Override
        void unmapped(TrackingHypervisor h, long key, long[] mapped, long hostAddr, long devBusAddr, int busyBefore) {
            Thread mapper = h.mappedBy.get(key);
            if (hostAddr == 0 || mapper == null || mapper == Thread.currentThread()) {
                return;
            }
            int dropped = busyBefore & ~h.busy(mapped);
            if (dropped != 0) {
                h.setBits(mapped, dropped);
                kept.add(new long[] {mapped[0], mapped[1], dropped});
            }
        }

        @Override
        void settling(TrackingHypervisor h) {
            for (long[] k : kept) {
                int granter = (int) k[0];
                if (h.dom(granter) == null) {
                    kept.remove(k);
                } else if (h.tables.pins(granter, (int) k[1]).total() == 0) {
                    h.clearBits(granter, k[1], (int) k[2]);
                    kept.remove(k);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ GNT-39

    /**
     * GNT-39: a mapping whose view was asked for is released as soon as its view is idle: the release waits for I/O
     * through the view only, and drops the pins under a transfer in flight through the mapping's other accessors.
     */
    static final class ReleaseIgnoresFrameInFlight extends Tracked {
        @Override
        void unmapped(TrackingHypervisor h, long key, long[] mapped, long hostAddr, long devBusAddr, int busyBefore) {
            if (hostAddr != 0 && viewed.contains(key) && inFlight(key) > 0) {
                h.clearBits((int) mapped[0], mapped[1], BUSY);
            }
        }
    }

    /**
     * GNT-39: settle completes every release that waits for an access in flight as soon as one of those accesses
     * returned (one flag for all waiting releases): the others drop their pins under their transfers.
     */
    static final class SettleCompletesEveryWaitingRelease extends Tracked {
        final List<long[]> waiting = new CopyOnWriteArrayList<>();

        @Override
        void unmapped(TrackingHypervisor h, long key, long[] mapped, long hostAddr, long devBusAddr, int busyBefore) {
            if (inFlight(key) > 0) {
                waiting.add(new long[] {key, mapped[0], mapped[1]});
            }
        }

        @Override
        void settling(TrackingHypervisor h) {
            boolean anyDone = false;
            for (long[] w : waiting) {
                anyDone |= inFlight(w[0]) == 0;
            }
            if (!anyDone) {
                return;
            }
            for (long[] w : waiting) {
                if (h.dom((int) w[1]) != null) {
                    h.clearBits((int) w[1], w[2], BUSY);
                }
            }
            waiting.clear();
        }
    }

    /**
     * GNT-39: an unmap by another thread, with nothing in flight, drops the pins but leaves the mapping thread's
     * accessors reaching the granted frame (the mapping thread's view is not ended: only a close on that thread could,
     * and nothing asks it to), so that thread reads and writes a page the granter may reuse.
     */
    static final class MappingThreadOutlivesForeignUnmap extends Tracked {
        /** The thread that unmapped each mapping, for unmaps made by another thread than the mapping's, nothing in flight. */
        final Map<Long, Thread> foreign = new ConcurrentHashMap<>();

        @Override
        void unmapped(TrackingHypervisor h, long key, long[] mapped, long hostAddr, long devBusAddr, int busyBefore) {
            Thread mapper = h.mappedBy.get(key);
            if (hostAddr != 0 && mapper != null && mapper != Thread.currentThread() && inFlight(key) == 0) {
                foreign.put(key, Thread.currentThread());
            }
        }

        @Override
        MappedFrame pick(TrackedFrame f) {
            Thread unmapper = foreign.get(f.key);
            if (unmapper != null && f.granted != null && Thread.currentThread() == f.thread && unmapper != f.thread) {
                return f.granted.readOnly() ? MappedFrame.of(f.granted.granter().segment()
                        .asSlice(f.granted.base(), GuestMemory.PAGE_SIZE).asReadOnly()) : f.granted.frame();
            }
            return f.real;
        }
    }
}
