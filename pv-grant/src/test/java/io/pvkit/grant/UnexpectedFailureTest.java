package io.pvkit.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.ActiveEntry;
import io.pvkit.grant.internal.Gntst;
import io.pvkit.grant.internal.PinUnderflowException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An exception no guest input can cause (a platform failure, a memory closed too early, a corrupted pin count)
 * inside map, mapHandle, segmentOf, unmap or copy: it reaches the {@link ErrorHandler}, the operation answers
 * {@code GNTST_general_error} (or null), and what the operation had made is undone; a pin underflow is rethrown.
 */
class UnexpectedFailureTest {
    private static final int HOST = GntMap.HOST_MAP;

    private static IllegalStateException injected() {
        return new IllegalStateException("injected alias failure");
    }

    @Test
    void mapHandleShouldReportTheFailureAndCloseTheArenaItMade() {
        List<Throwable> errors = new ArrayList<>();
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.SHARED, 4, errors::add))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 5), false);
            AtomicReference<Arena> arena = new AtomicReference<>();
            IllegalStateException failure = injected();
            f.hv.aliaser((frame, a) -> {
                arena.set(a);
                throw failure;
            });
            assertEquals(Gntst.GENERAL_ERROR, f.hv.mapHandle(2, 1, ref, HOST, 0x1000));
            assertEquals(List.of(failure), errors);
            assertFalse(arena.get().scope().isAlive(), "the map's arena was closed by the rollback");
            assertEquals(0, f.flags(1, ref) & (GrantFlags.READING | GrantFlags.WRITING));
            assertEquals(0, f.hv.mappingCount(2));
        }
    }

    @Test
    void segmentOfACheckedMappingShouldReportTheFailureCloseItsArenaAndWorkLater() {
        List<Throwable> errors = new ArrayList<>();
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 4, errors::add))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x33), false);
            int h = f.hv.mapHandle(2, 1, ref, HOST, 0x1000);
            AtomicReference<Arena> arena = new AtomicReference<>();
            IllegalStateException failure = injected();
            f.hv.aliaser((frame, a) -> {
                arena.set(a);
                throw failure;
            });
            assertNull(f.hv.segmentOf(2, h));
            assertEquals(List.of(failure), errors);
            assertFalse(arena.get().scope().isAlive(), "the arena made for the segment was closed");
            f.hv.aliaser(io.pvkit.grant.internal.FrameAlias::alias);
            MemorySegment seg = f.hv.segmentOf(2, h);
            assertNotNull(seg, "the mapping itself is intact");
            assertEquals(0x33, seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
            assertSame(seg, f.hv.segmentOf(2, h), "made once");
            assertEquals(Gntst.OKAY, f.hv.unmap(2, h));
            assertFalse(seg.scope().isAlive());
        }
    }

    @Test
    void aCopyTouchingAClosedMemoryShouldReportTheFailureAndAnswerGeneralError() {
        List<Throwable> errors = new ArrayList<>();
        GrantTables t = new GrantTables(MappingLifetime.SHARED, 4, errors::add);
        GuestMemory mem = GuestMemory.allocate(8);
        t.addDomain(new DomainSpec(3, mem, 1, false), 0, 1);
        mem.close(); // too early: a hypervisor bug, not a guest's input
        assertEquals(Gntst.GENERAL_ERROR, t.copy(3, new GrantCopy(5, DomId.SELF, 0, 6, DomId.SELF, 0, 8, 0)));
        assertEquals(1, errors.size());
        assertInstanceOf(IllegalStateException.class, errors.get(0));
    }

    @Test
    void anUnmapTouchingAClosedMemoryShouldReportTheFailureAndAnswerGeneralError() {
        List<Throwable> errors = new ArrayList<>();
        GrantTables t = new GrantTables(MappingLifetime.SHARED, 4, errors::add);
        try (GuestMemory mapper = GuestMemory.allocate(8)) {
            GuestMemory granter = GuestMemory.allocate(8);
            t.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
            t.addDomain(new DomainSpec(2, mapper, 1, false), 0, 1);
            int ref = new GuestGrantTable(granter, 0).grantAccess(2, 4, false);
            int h = t.mapHandle(2, 1, ref, GntMap.DEVICE_MAP, 0);
            assertTrue(h >= 0);
            granter.close(); // too early: the unmap's flag update fails
            assertEquals(Gntst.GENERAL_ERROR, t.unmap(2, h));
            assertEquals(1, errors.size());
            assertInstanceOf(IllegalStateException.class, errors.get(0));
        }
    }

    @Test
    void aPinUnderflowShouldReachTheHandlerAndThenBeRethrown() {
        List<Throwable> errors = new ArrayList<>();
        GrantTables t = new GrantTables(MappingLifetime.SHARED, 4, errors::add);
        try (GuestMemory granter = GuestMemory.allocate(8); GuestMemory mapper = GuestMemory.allocate(8)) {
            t.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
            t.addDomain(new DomainSpec(2, mapper, 1, false), 0, 1);
            int ref = new GuestGrantTable(granter, 0).grantAccess(2, 4, false);
            int h = t.mapHandle(2, 1, ref, GntMap.DEVICE_MAP, 0);
            ActiveEntry e = Internals.entry(t, 1, ref);
            e.lock();
            e.devWrite = 0; // the book-keeping corrupted: the unmap's release finds no pin to drop
            e.unlock();
            PinUnderflowException thrown = assertThrows(PinUnderflowException.class, () -> t.unmap(2, h));
            assertEquals(List.of(thrown), errors, "reported first, then rethrown");
        }
    }

    @Test
    void aCopyWhoseDestinationFailsShouldReleaseItsSourceOnBothPaths() {
        List<Throwable> errors = new ArrayList<>();
        GrantTables t = new GrantTables(MappingLifetime.SHARED, 4, errors::add);
        try (GuestMemory granter = GuestMemory.allocate(8); GuestMemory copier = GuestMemory.allocate(8)) {
            GuestMemory broken = GuestMemory.allocate(8);
            t.addDomain(new DomainSpec(1, granter, 1, false), 0, 1);
            t.addDomain(new DomainSpec(2, copier, 1, false), 0, 1);
            t.addDomain(new DomainSpec(3, broken, 1, false), 0, 1);
            int src = new GuestGrantTable(granter, 0).grantAccess(2, 4, true);
            GuestGrantTable brokenTable = new GuestGrantTable(broken, 0);
            int usedBefore = brokenTable.grantAccess(2, 4, false);
            int neverUsed = brokenTable.grantAccess(2, 5, false);
            int flags = io.pvkit.abi.grant.GntCopy.SOURCE_GREF | io.pvkit.abi.grant.GntCopy.DEST_GREF;
            // both entries used once: the next copy of them takes the lock-free path
            assertEquals(Gntst.OKAY, t.copy(2, new GrantCopy(src, 1, 0, usedBefore, 3, 0, 8, flags)));
            broken.close(); // too early: the destination's entry can no longer be read
            assertEquals(Gntst.GENERAL_ERROR, t.copy(2, new GrantCopy(src, 1, 0, usedBefore, 3, 0, 8, flags)),
                    "lock-free path");
            assertEquals(PinCounts.NONE, t.pins(1, src), "the source's copy pin was dropped (lock-free path)");
            GuestGrantTable granterTable = new GuestGrantTable(granter, 0);
            assertEquals(GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY, granterTable.query(src).flags(), "no busy bit");
            assertEquals(Gntst.GENERAL_ERROR, t.copy(2, new GrantCopy(src, 1, 0, neverUsed, 3, 0, 8, flags)),
                    "locked path: the destination's first use");
            assertEquals(PinCounts.NONE, t.pins(1, src), "the source's copy pin was dropped (locked path)");
            assertEquals(GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY, granterTable.query(src).flags(), "no busy bit");
            assertEquals(2, errors.size());
        }
    }
}
