package io.pvkit.grant;

import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.Gntst;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MappingLifetime#CHECKED}: a host mapping whose {@link GrantView} checks a revocation word instead of
 * living in an arena. Every access after unmap throws; an access in flight when the unmap happens finishes
 * and keeps the grant pinned until it returns; no write ever lands after the pins dropped.
 */
class CheckedViewTest {
    private static final int HOST = GntMap.HOST_MAP;
    private static final int RO = GntMap.READONLY;
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;

    private static Fixture fixture() {
        return new Fixture(new GrantTables(MappingLifetime.CHECKED, 16));
    }

    @Test
    void viewReadsAndWritesTheGrantedFrameAndDiesAtUnmap() {
        try (Fixture f = fixture()) {
            long gfn = f.dataFrame(1, 0, (byte) 0x11);
            int ref = f.guest[1].grantAccess(2, gfn, false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0x1000);
            assertEquals(Gntst.OKAY, m.status());
            assertNull(m.segment(), "a CHECKED mapping has no raw segment");
            GrantView v = m.view();
            assertNotNull(v);
            assertEquals(4096, v.byteSize());
            assertFalse(v.isReadOnly());
            assertTrue(v.isAlive());
            assertEquals(0x11, v.getByte(4095));
            assertEquals(0x1111_1111, v.getInt(1));
            v.setLong(100, 0x0102_0304_0506_0708L);
            assertEquals(0x0708, f.mem[1].getShort(GuestMemory.gpaOf(gfn) + 100), "little-endian, in the frame");
            assertEquals(0x0102_0304_0506_0708L, v.getLong(100));
            v.copyFrom(MemorySegment.ofArray(new byte[] {1, 2, 3}), 0, 4093, 3);
            byte[] out = new byte[3];
            v.copyTo(4093, MemorySegment.ofArray(out), 0, 3);
            assertEquals(3, out[2]);
            assertEquals(3, f.mem[1].getByte(GuestMemory.gpaOf(gfn) + 4095));
            assertThrows(IndexOutOfBoundsException.class, () -> v.getByte(4096));
            assertThrows(IndexOutOfBoundsException.class, () -> v.getInt(4093));
            assertThrows(IndexOutOfBoundsException.class, () -> v.setByte(-1, (byte) 0));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> v.copyTo(1, MemorySegment.ofArray(new byte[4096]), 0, 4096));
            assertEquals(v, f.hv.viewOf(2, m.handle()), "viewOf finds the live view");
            assertEquals(BUSY, f.flags(1, ref) & BUSY);

            assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()));
            assertFalse(v.isAlive());
            assertThrows(IllegalStateException.class, () -> v.getByte(0));
            assertThrows(IllegalStateException.class, () -> v.getLong(0));
            assertThrows(IllegalStateException.class, () -> v.setInt(0, 1));
            assertThrows(IllegalStateException.class, () -> v.copyTo(0, MemorySegment.ofArray(out), 0, 3));
            assertThrows(IllegalStateException.class,
                    () -> v.copyFrom(MemorySegment.ofArray(out), 0, 0, 3));
            assertEquals(0x11, f.mem[1].getByte(GuestMemory.gpaOf(gfn)), "a refused write wrote nothing");
            assertNull(f.hv.viewOf(2, m.handle()));
            assertEquals(0, f.flags(1, ref) & BUSY, "the pins dropped at unmap (nothing was in flight)");
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
        }
    }

    @Test
    void readOnlyViewRefusesWrites() {
        try (Fixture f = fixture()) {
            long gfn = f.dataFrame(1, 0, (byte) 0x22);
            int ref = f.guest[1].grantAccess(2, gfn, true);
            MapResult m = f.hv.map(2, 1, ref, HOST | RO, 0x1000);
            GrantView v = m.view();
            assertTrue(v.isReadOnly());
            assertEquals(0x22, v.getByte(7));
            assertThrows(UnsupportedOperationException.class, () -> v.setByte(0, (byte) 1));
            assertThrows(UnsupportedOperationException.class,
                    () -> v.copyFrom(MemorySegment.ofArray(new byte[1]), 0, 0, 1));
            assertEquals(0x22, f.mem[1].getByte(GuestMemory.gpaOf(gfn)));
            assertEquals(GrantFlags.READING, f.flags(1, ref) & BUSY);
            assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()));
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
        }
    }

    @Test
    void aStaleViewStaysDeadWhenItsSlotIsReused() {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 1))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false);
            MapResult a = f.hv.map(2, 1, ref, HOST, 0x1000);
            assertEquals(Gntst.OKAY, f.hv.unmap(2, a.handle()));
            MapResult b = f.hv.map(2, 1, ref, HOST, 0x1000);
            assertEquals(Gntst.OKAY, b.status(), "the one slot is reused");
            assertThrows(IllegalStateException.class, () -> a.view().getByte(0), "the old view stays dead");
            assertThrows(IllegalStateException.class, () -> a.view().setByte(0, (byte) 9));
            assertEquals(1, b.view().getByte(0));
            assertEquals(Gntst.OKAY, f.hv.unmap(2, b.handle()));
        }
    }

    /**
     * A CHECKED host+device mapping whose host part alone is unmapped keeps its handle for the device part; asking
     * for its segment then must not make one (it made a shared arena that no later unmap closed: a live segment of
     * a frame whose pins had dropped).
     */
    @Test
    void noSegmentOrViewIsMadeOnceTheHostPartIsUnmapped() {
        try (Fixture f = fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x33), false);
            MapResult m = f.hv.map(2, 1, ref, HOST | GntMap.DEVICE_MAP, 0x1000);
            assertEquals(Gntst.OKAY, m.status());
            assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle(), 0x1000, 0), "the host part only");
            assertThrows(IllegalStateException.class, () -> m.view().getByte(0), "the host view is dead");
            MemorySegment late = f.hv.segmentOf(2, m.handle());
            assertNull(f.hv.viewOf(2, m.handle()), "no host mapping: no view");
            assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()), "the device part");
            assertEquals(0, f.flags(1, ref) & BUSY, "nothing pinned any more");
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
            if (late != null) {
                assertThrows(IllegalStateException.class, () -> late.get(ValueLayout.JAVA_BYTE, 0),
                        "a segment made for the device-only mapping outlives every pin");
            }
            assertNull(late, "no host mapping: no segment");
        }
    }

    @Test
    void positionalFileTransfersGoThroughTheView(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        try (Fixture f = fixture();
             FileChannel file = FileChannel.open(dir.resolve("disk"), StandardOpenOption.CREATE,
                     StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long gfn = f.dataFrame(1, 0, (byte) 0x33);
            int ref = f.guest[1].grantAccess(2, gfn, false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0x1000);
            assertEquals(4096, m.view().writeTo(file, 8192, 0, 4096));
            assertEquals(0x33, Files.readAllBytes(dir.resolve("disk"))[8192 + 4095]);
            file.write(ByteBuffer.wrap(new byte[] {7, 7, 7, 7}), 0);
            assertEquals(4, m.view().readFrom(file, 0, 10, 4));
            assertEquals(7, f.mem[1].getByte(GuestMemory.gpaOf(gfn) + 13));
            assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()));
            assertThrows(IllegalStateException.class, () -> m.view().writeTo(file, 0, 0, 1));
        }
    }

    @Test
    void segmentOfACheckedMappingIsMadeOnRequestAndDiesWithTheView() throws Exception {
        try (Fixture f = fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x44), false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0x1000);
            MemorySegment seg = f.hv.segmentOf(2, m.handle());
            assertNotNull(seg, "a CHECKED mapping gives a segment on request");
            assertEquals(seg, f.hv.segmentOf(2, m.handle()), "made once");
            seg.set(ValueLayout.JAVA_BYTE, 1, (byte) 0x45);
            assertEquals(0x45, m.view().getByte(1), "segment and view alias the same frame");
            try (InFlightReleaseTest.BlockedWriter io = new InFlightReleaseTest.BlockedWriter(seg)) {
                assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()));
                assertThrows(IllegalStateException.class, () -> m.view().getByte(0), "the view is revoked at unmap");
                assertEquals(BUSY, f.flags(1, ref) & BUSY, "NIO holds the segment: the pin stays");
                assertEquals(RevokeResult.STILL_IN_USE, f.guest[1].endAccess(ref));
                assertEquals(0, f.hv.reap());
                io.release();
                assertEquals(1, f.hv.reap(), "released once the I/O let go of the segment");
            }
            assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0), "the segment is dead");
            assertEquals(0, f.flags(1, ref) & BUSY);
            assertEquals(0, f.hv.mappingCount(2));
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));

            // both in flight: a blocked transfer through the view and a segment (not in I/O); the view's end waits
            int ref2 = f.guest[1].grantAccess(2, f.dataFrame(1, 1, (byte) 0x46), true);
            MapResult m2 = f.hv.map(2, 1, ref2, HOST | RO, 0x2000);
            MemorySegment seg2 = f.hv.segmentOf(2, m2.handle());
            assertTrue(seg2.isReadOnly());
            try (InFlightReleaseTest.BlockedWriter io = blockedViewWriter(m2.view())) {
                assertEquals(Gntst.OKAY, f.hv.unmap(2, m2.handle()));
                assertThrows(IllegalStateException.class, () -> seg2.get(ValueLayout.JAVA_BYTE, 0),
                        "the segment is closed at unmap");
                assertEquals(GrantFlags.READING, f.flags(1, ref2) & BUSY, "the view's transfer keeps the pin");
                io.release();
            }
            assertEquals(0, f.flags(1, ref2) & BUSY, "released by the transfer's end");
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref2));
        }
    }

    /** A thread blocked in {@code view.writeTo(pipe.sink(), ...)} on a full pipe. */
    private static InFlightReleaseTest.BlockedWriter blockedViewWriter(GrantView view) throws IOException {
        return new InFlightReleaseTest.BlockedWriter(sink -> {
            int done = 0;
            while (done < 4096) {
                done += view.writeTo(sink, done, 4096 - done);
            }
        });
    }

    @Test
    void unmapDuringInFlightIoKeepsThePinUntilTheTransferReturns() throws Exception {
        try (Fixture f = fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x5A), false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0x1000);
            GrantView v = m.view();
            try (InFlightReleaseTest.BlockedWriter io = blockedViewWriter(v)) {
                assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()), "the unmap is accepted");
                assertThrows(IllegalStateException.class, () -> v.getByte(0), "no new access starts");
                assertEquals(BUSY, f.flags(1, ref) & BUSY, "busy bits while the transfer is in flight");
                assertEquals(1, f.hv.pins(1, ref).hostWrite(), "the pin is held while a transfer is in flight");
                assertEquals(RevokeResult.STILL_IN_USE, f.guest[1].endAccess(ref), "the granter cannot revoke yet");
                assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(2, m.handle()), "a second unmap is a bad handle");
                assertEquals(0, f.hv.reap(), "nothing can be released while the transfer is in flight");
                io.release();
            }
            // the transfer's exit completed the release: no reap needed
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref));
            assertEquals(0, f.flags(1, ref) & BUSY, "busy bits clear once the transfer returned");
            assertEquals(0, f.hv.mappingCount(2));
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
        }
    }

    @Test
    void teardownDuringInFlightIoReportsNotDoneUntilTheTransferReturns() throws Exception {
        try (Fixture f = fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x5A), false);
            int ref2 = f.guest[1].grantAccess(0, f.dataFrame(1, 1, (byte) 0x5B), false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0x1000);
            MapResult m2 = f.hv.map(0, 1, ref2, HOST, 0x1000);
            try (InFlightReleaseTest.BlockedWriter io = blockedViewWriter(m.view());
                 InFlightReleaseTest.BlockedWriter io2 = blockedViewWriter(m2.view())) {
                // the mapper 2 dies, and the granter 1 dies
                assertFalse(f.hv.releaseDomain(2, 16), "the mapper's teardown waits for its view");
                for (int i = 0; i < 3; i++) {
                    assertFalse(f.hv.releaseDomain(1, 16), "not done while views are in use (call " + i + ")");
                }
                assertEquals(1, f.hv.pins(1, ref).hostWrite());
                assertEquals(1, f.hv.pins(1, ref2).hostWrite());
                assertEquals(BUSY, f.flags(1, ref) & BUSY);
                assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(0, m2.handle()), "the mapper's handle is revoked");
                io.release();
                assertTrue(f.hv.releaseDomain(2, 16), "the mapper is gone once its transfer returned");
                assertFalse(f.hv.releaseDomain(1, 16), "the granter still waits for the other transfer");
                io2.release();
                assertTrue(f.hv.releaseDomain(1, 16), "done once every transfer returned");
            }
            assertFalse(f.hv.hasDomain(1));
            assertThrows(IllegalStateException.class, () -> m.view().getByte(0));
            assertThrows(IllegalStateException.class, () -> m2.view().getByte(0));
            assertEquals(0, f.flags(1, ref) & BUSY, "busy bits clear");
            assertEquals(0, f.flags(1, ref2) & BUSY, "busy bits clear");
        }
    }

    /**
     * Writers hammer a writable view while the main thread unmaps; once the granter sees the busy bits clear it
     * writes a sentinel over the whole frame; no writer's store may land after that (it would be a write into a
     * page the granter already reused).
     */
    @Test
    void noWriteLandsAfterThePinsDropped() throws Exception {
        try (Fixture f = fixture()) {
            assertNoWriteLandsAfterThePinsDropped(f, 200, h -> f.hv.viewOf(2, h));
        }
    }

    /**
     * {@code rounds} times: domain 2 maps a writable grant of domain 1 ({@link Fixture}'s CHECKED tables), two writer
     * threads each get their access to it from {@code access} (called on the writer's own thread, with the handle)
     * and write through it (scalar and bulk) until it throws, the main thread unmaps once both have written, waits
     * as the granter would for the busy bits to clear and overwrites the page; then every byte must be the
     * overwrite's.
     */
    static void assertNoWriteLandsAfterThePinsDropped(Fixture f, int rounds, IntFunction<GrantView> access)
            throws InterruptedException {
        long gfn = f.dataFrame(1, 0, (byte) 0);
        long gpa = GuestMemory.gpaOf(gfn);
        MemorySegment src = MemorySegment.ofArray(new long[64]);
        for (int round = 0; round < rounds; round++) {
            int ref = f.guest[1].grantAccess(2, gfn, false);
            int h = f.hv.mapHandle(2, 1, ref, HOST, 0x1000);
            CountDownLatch started = new CountDownLatch(2);
            AtomicLong writes = new AtomicLong();
            Thread[] writers = new Thread[2];
            for (int w = 0; w < 2; w++) {
                int id = w;
                writers[w] = Thread.ofPlatform().start(() -> {
                    GrantView v = access.apply(h);
                    started.countDown();
                    try {
                        for (long i = 1; ; i++) {
                            if (id == 0) {
                                v.setLong(8 * (i & 511), i);
                            } else {
                                v.copyFrom(src, 0, 512 * (i & 7), 512);
                            }
                            writes.incrementAndGet();
                        }
                    } catch (IllegalStateException expected) {
                        // unmapped
                    }
                });
            }
            started.await();
            while (writes.get() < 10) {
                Thread.onSpinWait();
            }
            assertEquals(Gntst.OKAY, f.hv.unmap(2, h));
            while ((f.flags(1, ref) & BUSY) != 0) {
                Thread.onSpinWait(); // the granter waits for the pins to drop
            }
            f.mem[1].fill(gpa, 4096, (byte) 0x77); // the page is reused
            for (Thread t : writers) {
                t.join(10_000);
                assertFalse(t.isAlive());
            }
            for (int i = 0; i < 4096; i += 8) {
                assertEquals(0x7777_7777_7777_7777L, f.mem[1].getLong(gpa + i),
                        "round " + round + ": a write landed at " + i + " after the pins dropped");
            }
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
        }
    }
}
