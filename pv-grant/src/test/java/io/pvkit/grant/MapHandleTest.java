package io.pvkit.grant;

import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.Gntst;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GrantTables#mapHandle}: a map that answers only the handle (or the negative status), with the CHECKED
 * view made on the first {@link GrantTables#viewOf}; and the maptrack's reuse of a released mapping's object,
 * which must leave stale handles and stale views dead.
 */
class MapHandleTest {
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;

    @Test
    void mapHandleAnswersTheHandleAndTheViewIsMadeOnRequest() {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 16))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x61), true);
            int h = f.hv.mapHandle(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0x1000);
            assertTrue(h >= 0, "a handle: " + h);
            assertEquals(1, f.hv.mappingCount(2));
            assertEquals(GrantFlags.READING, f.flags(1, ref) & BUSY, "pinned read-only at map");
            GrantView v = f.hv.viewOf(2, h);
            assertNotNull(v, "the view, made now");
            assertSame(v, f.hv.viewOf(2, h), "the same view on every call");
            assertEquals(0x61, v.getByte(4095));
            assertTrue(v.isReadOnly());
            assertEquals(Gntst.OKAY, f.hv.unmap(2, h));
            assertThrows(IllegalStateException.class, () -> v.getByte(0), "dead after unmap");
            assertNull(f.hv.viewOf(2, h), "a stale handle has no view");
            assertEquals(0, f.flags(1, ref) & BUSY, "unpinned");
        }
    }

    @Test
    void mapHandleWithoutEverMakingAViewUnmapsCleanly() {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 16))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false);
            for (int i = 0; i < 100; i++) {
                int h = f.hv.mapHandle(2, 1, ref, GntMap.HOST_MAP, 0x1000);
                assertTrue(h >= 0, "map " + i);
                assertEquals(BUSY, f.flags(1, ref) & BUSY, "pinned writable, map " + i);
                assertEquals(Gntst.OKAY, f.hv.unmap(2, h), "unmap " + i);
                assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(2, h), "double unmap " + i);
            }
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref));
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
        }
    }

    @Test
    void mapHandleFailuresAreNegativeStatuses() {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 1))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), true);
            assertEquals(Gntst.BAD_DOMAIN, f.hv.mapHandle(2, 7, ref, GntMap.HOST_MAP | GntMap.READONLY, 0));
            assertEquals(Gntst.BAD_GNTREF, f.hv.mapHandle(2, 1, 1 << 20, GntMap.HOST_MAP | GntMap.READONLY, 0));
            assertEquals(Gntst.GENERAL_ERROR, f.hv.mapHandle(2, 1, ref, GntMap.HOST_MAP, 0), "writable map of a read-only grant");
            int h = f.hv.mapHandle(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
            assertTrue(h >= 0);
            assertEquals(Gntst.NO_SPACE, f.hv.mapHandle(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0), "limit 1");
            assertEquals(Gntst.OKAY, f.hv.unmap(2, h));
        }
    }

    @Test
    void mapHandleOfADeviceMappingHasNoViewAndTheHypercallGetsItsBusAddress() {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 16))) {
            long frame = f.dataFrame(1, 0, (byte) 1);
            int ref = f.guest[1].grantAccess(2, frame, true);
            int h = f.hv.mapHandle(2, 1, ref, GntMap.DEVICE_MAP | GntMap.READONLY, 0);
            assertTrue(h >= 0);
            assertNull(f.hv.viewOf(2, h), "no host mapping, no view");
            assertEquals(GuestMemory.gpaOf(frame), f.hv.devBusAddr(2, h));
            assertEquals(Gntst.OKAY, f.hv.unmap(2, h));
            assertEquals(0, f.hv.devBusAddr(2, h), "stale");
        }
    }

    /**
     * One maptrack slot, mapped and unmapped over and over (its mapping object is reused each time): every old
     * view and every old segment stays dead, every old handle stays stale, and the live mapping sees its own frame.
     */
    @Test
    void reusedMappingObjectsLeaveOldViewsSegmentsAndHandlesDead() {
        for (MappingLifetime lifetime : MappingLifetime.values()) {
            try (Fixture f = new Fixture(new GrantTables(lifetime, 1))) {
                int refA = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x0A), false);
                int refB = f.guest[1].grantAccess(2, f.dataFrame(1, 1, (byte) 0x0B), false);
                MapResult old = f.hv.map(2, 1, refA, GntMap.HOST_MAP, 0x1000);
                assertEquals(Gntst.OKAY, f.hv.unmap(2, old.handle()));
                for (int i = 0; i < 5; i++) {
                    int ref = i % 2 == 0 ? refB : refA;
                    MapResult m = f.hv.map(2, 1, ref, GntMap.HOST_MAP, 0x1000);
                    assertEquals(Gntst.OKAY, m.status(), lifetime + " map " + i);
                    byte want = i % 2 == 0 ? (byte) 0x0B : (byte) 0x0A;
                    assertEquals(want, read(m, 0), lifetime + " the live mapping reads its own frame");
                    assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(2, old.handle()), lifetime + " the old handle is stale");
                    assertThrows(IllegalStateException.class, () -> read(old, 0), lifetime + " old view dead");
                    assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()));
                }
                assertEquals(PinCounts.NONE, f.hv.pins(1, refA));
                assertEquals(PinCounts.NONE, f.hv.pins(1, refB));
            }
        }
    }

    private static byte read(MapResult m, long offset) {
        MemorySegment s = m.segment();
        return s != null ? s.get(ValueLayout.JAVA_BYTE, offset) : m.view().getByte(offset);
    }
}
