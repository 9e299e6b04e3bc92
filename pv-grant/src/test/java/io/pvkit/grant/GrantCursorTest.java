package io.pvkit.grant;

import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.Gntst;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GrantCursor}: one object rebound to CHECKED mapping after mapping by handle. It reads and writes the bound
 * mapping's frame, throws once that mapping is unmapped, and never reaches a later mapping of the same maptrack slot
 * through an old binding (the slot's guard has a new epoch); an access in flight keeps the pins as a view's does.
 */
class GrantCursorTest {
    private static final int HOST = GntMap.HOST_MAP;
    private static final int RO = GntMap.READONLY;
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;

    @Test
    void cursorReadsAndWritesTheBoundMappingAndThrowsAfterUnmap() {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 16))) {
            long gfn = f.dataFrame(1, 0, (byte) 0x11);
            int ref = f.guest[1].grantAccess(2, gfn, false);
            GrantCursor c = f.hv.newCursor();
            assertFalse(c.isAlive(), "a new cursor is unbound");
            assertThrows(IllegalStateException.class, () -> c.getByte(0), "an unbound cursor reads nothing");
            assertThrows(IllegalStateException.class, () -> c.copyTo(0, MemorySegment.ofArray(new byte[1]), 0, 1));
            int h = f.hv.mapHandle(2, 1, ref, HOST, 0x1000);
            assertTrue(c.bind(2, h));
            assertTrue(c.isAlive());
            assertFalse(c.isReadOnly());
            assertEquals(4096, c.byteSize());
            assertEquals(0x1111_1111, c.getInt(4092));
            c.setLong(8, 0x0102_0304_0506_0708L);
            assertEquals(0x0708, f.mem[1].getShort(GuestMemory.gpaOf(gfn) + 8), "little-endian, in the frame");
            c.copyFrom(MemorySegment.ofArray(new byte[] {7, 8}), 0, 4094, 2);
            byte[] out = new byte[2];
            c.copyTo(4094, MemorySegment.ofArray(out), 0, 2);
            assertEquals(8, out[1]);
            assertThrows(IndexOutOfBoundsException.class, () -> c.getByte(4096));
            assertEquals(BUSY, f.flags(1, ref) & BUSY);

            assertEquals(Gntst.OKAY, f.hv.unmap(2, h));
            assertFalse(c.isAlive());
            assertThrows(IllegalStateException.class, () -> c.getByte(0));
            assertThrows(IllegalStateException.class, () -> c.getLong(0));
            assertThrows(IllegalStateException.class, () -> c.setInt(0, 5));
            assertEquals(0x11, f.mem[1].getByte(GuestMemory.gpaOf(gfn)), "a refused write wrote nothing");
            assertEquals(0, f.flags(1, ref) & BUSY, "nothing in flight: the pins dropped at unmap");
            assertFalse(c.bind(2, h), "a stale handle does not bind");
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
        }
    }

    @Test
    void aCursorLeftOnAStaleHandleNeverReachesTheSlotsNextMapping() {
        // maptrack limit 1: every map after the first reuses the one slot (and its mapping object and guard)
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 1))) {
            int refA = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x0A), false);
            int refB = f.guest[1].grantAccess(2, f.dataFrame(1, 1, (byte) 0x0B), false);
            GrantCursor stale = f.hv.newCursor();
            int a = f.hv.mapHandle(2, 1, refA, HOST, 0x1000);
            GrantView viewA = f.hv.viewOf(2, a);
            assertTrue(stale.bind(2, a));
            assertEquals(0x0A, stale.getByte(0));
            assertEquals(Gntst.OKAY, f.hv.unmap(2, a));
            for (int round = 0; round < 3; round++) {
                int b = f.hv.mapHandle(2, 1, round % 2 == 0 ? refB : refA, HOST, 0x1000);
                assertTrue(b >= 0 && b != a, "the one slot, a new generation: " + b);
                assertFalse(stale.isAlive(), "round " + round);
                assertThrows(IllegalStateException.class, () -> stale.getByte(0), "round " + round);
                assertThrows(IllegalStateException.class, () -> stale.setByte(0, (byte) 9), "round " + round);
                assertThrows(IllegalStateException.class, () -> viewA.getByte(0), "round " + round);
                assertFalse(stale.bind(2, a), "the old handle binds nothing");
                assertThrows(IllegalStateException.class, () -> stale.getByte(0), "a failed bind unbinds");
                GrantCursor fresh = f.hv.newCursor();
                assertTrue(fresh.bind(2, b));
                assertEquals(round % 2 == 0 ? 0x0B : 0x0A, fresh.getByte(0));
                assertEquals(Gntst.OKAY, f.hv.unmap(2, b));
                assertThrows(IllegalStateException.class, () -> fresh.getByte(0));
            }
            assertEquals(0x0B, f.mem[1].getByte(GuestMemory.gpaOf(Fixture.TABLE_FRAMES + 1)), "B was never written");
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(refA));
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(refB));
        }
    }

    @Test
    void bindRefusesWhatIsNotALiveCheckedHostMappingOfTheMapper() {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 16))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), true);
            int ref0 = f.guest[1].grantAccess(0, f.dataFrame(1, 1, (byte) 2), true);
            GrantCursor c = f.hv.newCursor();
            int h = f.hv.mapHandle(2, 1, ref, HOST | RO, 0x1000);
            int h0 = f.hv.mapHandle(0, 1, ref0, HOST | RO, 0x1000);
            assertTrue(c.bind(2, h));
            assertFalse(c.bind(9, h), "unknown mapper");
            assertFalse(c.isAlive(), "a refused bind leaves the cursor unbound");
            assertFalse(c.bind(2, -1), "negative handle");
            assertFalse(c.bind(2, h + (1 << 16)), "a handle of another generation");
            assertTrue(c.bind(0, h0));
            assertEquals(2, c.getByte(0));
            MapResult shared = f.hv.map(2, 1, ref, HOST | RO, 0x2000, MappingLifetime.SHARED);
            assertFalse(c.bind(2, shared.handle()), "a SHARED mapping has a segment, not a guard");
            int dev = f.hv.mapHandle(2, 1, ref, GntMap.DEVICE_MAP | RO, 0);
            assertFalse(c.bind(2, dev), "a device mapping has no host view");
            assertTrue(c.bind(2, h));
            assertTrue(c.isReadOnly());
            assertThrows(UnsupportedOperationException.class, () -> c.setByte(0, (byte) 5), "read-only mapping");
            assertEquals(1, f.mem[1].getByte(GuestMemory.gpaOf(Fixture.TABLE_FRAMES)));
            c.unbind();
            assertThrows(IllegalStateException.class, () -> c.getByte(0), "unbound");
            assertEquals(Gntst.OKAY, f.hv.unmap(2, h));
            assertEquals(Gntst.OKAY, f.hv.unmap(0, h0));
            assertEquals(Gntst.OKAY, f.hv.unmap(2, shared.handle()));
            assertEquals(Gntst.OKAY, f.hv.unmap(2, dev));
        }
    }

    @Test
    void aCursorIsConfinedToTheThreadThatMadeIt() throws Exception {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 16))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 3), true);
            int h = f.hv.mapHandle(2, 1, ref, HOST | RO, 0x1000);
            GrantCursor c = f.hv.newCursor();
            assertTrue(c.bind(2, h));
            AtomicReference<Throwable> read = new AtomicReference<>();
            AtomicReference<Throwable> bind = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                read.set(catching(() -> c.getByte(0)));
                bind.set(catching(() -> c.bind(2, h)));
            });
            t.join(10_000);
            assertTrue(read.get() instanceof WrongThreadException, String.valueOf(read.get()));
            assertTrue(bind.get() instanceof WrongThreadException, String.valueOf(bind.get()));
            assertEquals(3, c.getByte(0), "still bound for its own thread");
            assertEquals(Gntst.OKAY, f.hv.unmap(2, h));
        }
    }

    private static Throwable catching(Runnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    @Test
    void aTransferInFlightThroughACursorKeepsThePinsUntilItReturns() throws Exception {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 16))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x5A), false);
            int h = f.hv.mapHandle(2, 1, ref, HOST, 0x1000);
            try (InFlightReleaseTest.BlockedWriter io = new InFlightReleaseTest.BlockedWriter(sink -> {
                GrantCursor c = f.hv.newCursor(); // made and bound on the writing thread
                if (!c.bind(2, h)) {
                    throw new AssertionError("bind");
                }
                int done = 0;
                while (done < 4096) {
                    done += c.writeTo(sink, done, 4096 - done);
                }
            })) {
                assertEquals(Gntst.OKAY, f.hv.unmap(2, h));
                assertEquals(BUSY, f.flags(1, ref) & BUSY, "busy while the transfer is in flight");
                assertEquals(1, f.hv.pins(1, ref).hostWrite());
                assertEquals(RevokeResult.STILL_IN_USE, f.guest[1].endAccess(ref));
                assertEquals(0, f.hv.reap(), "nothing to release while the transfer is in flight");
                io.release();
            }
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref), "the transfer's exit completed the release");
            assertEquals(0, f.flags(1, ref) & BUSY);
            assertEquals(0, f.hv.mappingCount(2));
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
        }
    }

    /**
     * A reader keeps reading through a cursor bound to the current mapping while the main thread unmaps it and maps
     * the other frame into the same slot (maptrack limit 1); after each unmap the granter revokes the grant and
     * poisons the page, and restores it only just before mapping it again ({@code -Dpvkit.cursor.rounds=N} rounds, 500 in
 * the build). Every value the reader gets must be the
     * pattern of the frame its binding was made for: a poisoned value means a read of a page the granter had taken
     * back; the other frame's pattern means an old binding reached the slot's next mapping. Each binding must end in
     * an exception (the reader reads until it throws).
     */
    @Test
    void aReaderRacingUnmapAndRemapOfTheSameSlotSeesItsOwnFrameOrAnException() throws Exception {
        final int rounds = Integer.getInteger("pvkit.cursor.rounds", 500); // an epoch-blind check fails in round 1
        final byte poison = (byte) 0xEE;
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 1))) {
            long[] gfns = {f.dataFrame(1, 0, (byte) 0x11), f.dataFrame(1, 1, (byte) 0x22)};
            byte[] patterns = {0x11, 0x22};
            AtomicLong current = new AtomicLong(-1); // handle << 8 | pattern, -1 between mappings
            AtomicInteger boundRound = new AtomicInteger(-1);
            AtomicLong goodReads = new AtomicLong();
            AtomicLong endedBindings = new AtomicLong();
            AtomicReference<String> violation = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            AtomicInteger round = new AtomicInteger();
            Thread reader = Thread.ofPlatform().name("cursor-reader").start(() -> {
                GrantCursor c = f.hv.newCursor();
                while (done.getCount() > 0) {
                    long cur = current.get();
                    int r = round.get();
                    if (cur < 0 || !c.bind(2, (int) (cur >>> 8))) {
                        Thread.onSpinWait();
                        continue;
                    }
                    long expected = 0x0101_0101_0101_0101L * (cur & 0xFF);
                    try {
                        for (int k = 0; ; k++) {
                            long v = c.getLong(8L * (k & 511));
                            if (v != expected) {
                                violation.compareAndSet(null, "read " + Long.toHexString(v) + " through a binding of "
                                        + Long.toHexString(expected));
                            }
                            goodReads.incrementAndGet();
                            boundRound.set(r);
                        }
                    } catch (IllegalStateException unmapped) {
                        endedBindings.incrementAndGet();
                    }
                }
            });
            for (int r = 0; r < rounds && violation.get() == null; r++) {
                int which = r % 2;
                long gpa = GuestMemory.gpaOf(gfns[which]);
                f.mem[1].fill(gpa, 4096, patterns[which]); // the granter restores its page, then grants it
                int ref = f.guest[1].grantAccess(2, gfns[which], true);
                int h = f.hv.mapHandle(2, 1, ref, HOST | RO, 0x1000);
                assertTrue(h >= 0, "map " + r);
                round.set(r);
                current.set((long) h << 8 | patterns[which]);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (boundRound.get() != r && violation.get() == null && System.nanoTime() < deadline) {
                    Thread.yield(); // until the reader reads through this mapping
                }
                assertNull(violation.get(), "round " + r);
                assertEquals(r, boundRound.get(), "the reader read through mapping " + r);
                current.set(-1);
                assertEquals(Gntst.OKAY, f.hv.unmap(2, h));
                assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref), "reads pin nothing: revocable at once");
                f.mem[1].fill(gpa, 4096, poison); // the page is taken back and reused
            }
            done.countDown();
            reader.join(10_000);
            assertFalse(reader.isAlive());
            assertNull(violation.get());
            assertTrue(goodReads.get() >= rounds, "reads: " + goodReads.get());
            assertEquals(rounds, endedBindings.get(), "every binding ended in an exception");
        }
    }

    /**
     * Writers bound through their own cursors hammer a writable mapping while the main thread unmaps it; once the
     * granter sees the busy bits clear it overwrites the page; no cursor write may land after that.
     */
    @Test
    void noWriteThroughACursorLandsAfterThePinsDropped() throws Exception {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 1))) {
            CheckedViewTest.assertNoWriteLandsAfterThePinsDropped(f, 50, h -> {
                GrantCursor c = f.hv.newCursor(); // made and bound on the writer's thread
                assertTrue(c.bind(2, h));
                return c;
            });
        }
    }
}
