package io.pvkit.grant;

import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.grant.internal.Gntst;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A CHECKED mapping unmapped while an access through its view is in flight: the pins stay until that access
 * returns, and its return (the last exit) completes the release itself, with no {@link GrantTables#reap()}. The
 * access in flight is a {@code readFrom} whose channel runs the test's steps on the same thread, so every state is
 * observed at a known point, without timing.
 */
class LastAccessReleaseTest {
    private static final int HOST = GntMap.HOST_MAP;
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;

    /** A channel whose read runs {@code during} and then fills the buffer with 0x77. */
    private static ReadableByteChannel channel(IoStep during) {
        return new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                try {
                    during.run();
                } catch (Exception e) {
                    throw new IOException(e);
                }
                int n = dst.remaining();
                while (dst.hasRemaining()) {
                    dst.put((byte) 0x77);
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }

    @FunctionalInterface
    interface IoStep {
        void run() throws Exception;
    }

    private static Fixture checked() {
        return new Fixture(new GrantTables(MappingLifetime.CHECKED, 16));
    }

    @Test
    void theLastAccessInFlightCompletesTheReleaseOfAnUnmappedView() throws Exception {
        try (Fixture f = checked()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0x1000);
            GrantView v = m.view();
            int n = v.readFrom(channel(() -> {
                assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()));
                assertEquals(1, f.hv.pins(1, ref).hostWrite(), "pinned while the access is in flight");
                assertEquals(BUSY, f.flags(1, ref) & BUSY);
            }), 8, 16);
            assertEquals(16, n);
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref), "the access's return released it, no reap");
            assertEquals(0, f.flags(1, ref) & BUSY);
            assertEquals(0, f.hv.mappingCount(2));
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
            assertEquals(0x77, f.mem[1].getByte(io.pvkit.abi.memory.GuestMemory.gpaOf(f.guest[1].query(ref).frame()) + 8),
                    "the access in flight completed");
        }
    }

    @Test
    void eachLastExitCompletesOnlyItsOwnMappingsRelease() throws Exception {
        try (Fixture f = checked()) {
            int r1 = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false);
            int r2 = f.guest[1].grantAccess(2, f.dataFrame(1, 1, (byte) 2), false);
            MapResult m1 = f.hv.map(2, 1, r1, HOST, 0x1000);
            MapResult m2 = f.hv.map(2, 1, r2, HOST, 0x2000);
            m1.view().readFrom(channel(() -> {
                m2.view().readFrom(channel(() -> {
                    // unmapped in the other order than mapped: the second pending release is the first one's
                    assertEquals(Gntst.OKAY, f.hv.unmap(2, m2.handle()));
                    assertEquals(Gntst.OKAY, f.hv.unmap(2, m1.handle()));
                }), 0, 4);
                assertEquals(PinCounts.NONE, f.hv.pins(1, r2), "the inner access's return released its mapping");
                assertEquals(1, f.hv.pins(1, r1).hostWrite(), "and not the outer one, still in flight");
                assertEquals(BUSY, f.flags(1, r1) & BUSY);
            }), 0, 4);
            assertEquals(PinCounts.NONE, f.hv.pins(1, r1), "the outer access's return released its mapping");
            assertEquals(0, f.hv.mappingCount(2));
        }
    }

    @Test
    void theLastAccessCompletesTheReleaseOfAViewWhoseSegmentWasAlsoTaken() throws Exception {
        try (Fixture f = checked()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0x1000);
            MemorySegment seg = f.hv.segmentOf(2, m.handle());
            assertNotNull(seg, "the segment of a CHECKED mapping, in its own arena");
            m.view().readFrom(channel(() -> {
                assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()));
                assertTrue(!seg.scope().isAlive(), "the segment died at unmap");
                assertEquals(1, f.hv.pins(1, ref).hostWrite(), "the view's access is still in flight");
            }), 0, 4);
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref), "the access's return released it, no reap");
            assertEquals(0, f.flags(1, ref) & BUSY);
        }
    }

    @Test
    void aReapAfterTheSegmentsIoEndedLeavesTheReleaseToTheViewsLastAccess() throws Exception {
        try (Fixture f = checked()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0x1000);
            MemorySegment seg = f.hv.segmentOf(2, m.handle());
            try (InFlightReleaseTest.BlockedWriter io = new InFlightReleaseTest.BlockedWriter(seg)) {
                m.view().readFrom(channel(() -> {
                    assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()));
                    assertTrue(seg.scope().isAlive(), "the segment's I/O holds it");
                    io.release();
                    assertEquals(0, f.hv.reap(), "the segment is dead now, the view's access still in flight");
                    assertEquals(1, f.hv.pins(1, ref).hostWrite());
                }), 0, 4);
            }
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref), "the view's last access completed it, no second reap");
            assertEquals(0, f.flags(1, ref) & BUSY);
            assertEquals(0, f.hv.mappingCount(2));
        }
    }
}
