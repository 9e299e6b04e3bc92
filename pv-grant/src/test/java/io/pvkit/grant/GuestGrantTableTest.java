package io.pvkit.grant;

import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantRefs;
import io.pvkit.abi.memory.GuestMemory;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestGrantTableTest {

    @Test
    void shouldNeverHandOutReservedRefsAndReportFullTable() {
        try (GuestMemory mem = GuestMemory.allocate(4)) {
            GuestGrantTable t = new GuestGrantTable(mem, 0);
            assertEquals(512, t.capacity());
            assertEquals(504, t.freeRefs());
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 504; i++) {
                int ref = t.grantAccess(1, 2, true);
                assertTrue(ref >= GrantRefs.NR_RESERVED_ENTRIES && ref < 512, "ref " + ref);
                assertTrue(seen.add(ref), "ref handed out twice: " + ref);
            }
            assertEquals(GuestGrantTable.NO_FREE_REF, t.grantAccess(1, 2, true));
        }
    }

    @Test
    void shouldWriteEntryAsXenLayout() {
        try (GuestMemory mem = GuestMemory.allocate(4)) {
            GuestGrantTable t = new GuestGrantTable(mem, 1);
            int ref = t.grantAccess(7, 3, true);
            long gpa = GuestMemory.gpaOf(1) + ref * GrantEntryV1Layout.SIZE;
            assertEquals(gpa, t.entryGpa(ref));
            assertEquals(GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY, mem.getShort(gpa) & 0xFFFF);
            assertEquals(7, mem.getShort(gpa + 2));
            assertEquals(3, mem.getInt(gpa + 4));
            GrantEntrySnapshot s = t.query(ref);
            assertTrue(s.permitsAccess());
            assertTrue(s.readOnly());
            assertFalse(s.inUse());
            assertEquals(3, s.frame());
        }
    }

    @Test
    void shouldRevokeUnusedGrantAndRecycleRef() {
        try (GuestMemory mem = GuestMemory.allocate(4)) {
            GuestGrantTable t = new GuestGrantTable(mem, 0);
            int ref = t.grantAccess(1, 2, false);
            assertEquals(RevokeResult.REVOKED, t.endAccess(ref));
            assertEquals(0, t.query(ref).flags());
            assertEquals(1, t.query(ref).domid(), "revoke keeps domid, clears flags only");
            assertThrows(IllegalArgumentException.class, () -> t.endAccess(ref));
            assertEquals(ref, t.grantAccess(1, 2, false), "LIFO free list reuses the ref");
        }
    }

    @Test
    void shouldReportStillInUseWhileHypervisorSetsReadingOrWriting() {
        try (GuestMemory mem = GuestMemory.allocate(4)) {
            GuestGrantTable t = new GuestGrantTable(mem, 0);
            int ref = t.grantAccess(1, 2, false);
            mem.getAndBitwiseOrInt(t.entryGpa(ref), GrantFlags.WRITING);
            assertEquals(RevokeResult.STILL_IN_USE, t.endAccess(ref));
            assertTrue(t.isInUse(ref));
            assertEquals(GrantFlags.PERMIT_ACCESS | GrantFlags.WRITING, t.query(ref).flags(), "entry unchanged");
            mem.getAndBitwiseAndInt(t.entryGpa(ref), ~GrantFlags.WRITING);
            mem.getAndBitwiseOrInt(t.entryGpa(ref), GrantFlags.READING);
            assertEquals(RevokeResult.STILL_IN_USE, t.endAccess(ref));
            mem.getAndBitwiseAndInt(t.entryGpa(ref), ~GrantFlags.READING);
            assertEquals(RevokeResult.REVOKED, t.endAccess(ref));
        }
    }

    @Test
    void shouldZeroFrameBeforeGranting() {
        try (GuestMemory mem = GuestMemory.allocate(4)) {
            GuestGrantTable t = new GuestGrantTable(mem, 0);
            mem.fill(GuestMemory.gpaOf(2), 4096, (byte) 0x5A);
            t.grantZeroedAccess(1, 2, true);
            for (int i = 0; i < 4096; i++) {
                assertEquals(0, mem.getByte(GuestMemory.gpaOf(2) + i), "byte " + i);
            }
        }
    }

    @Test
    void shouldRejectBadTargets() {
        try (GuestMemory mem = GuestMemory.allocate(4)) {
            GuestGrantTable t = new GuestGrantTable(mem, 0);
            assertThrows(IllegalArgumentException.class, () -> t.grantAccess(0x7FF0, 1, true));
            assertThrows(IllegalArgumentException.class, () -> t.grantAccess(1, 4, true));
            assertThrows(IllegalArgumentException.class, () -> t.endAccess(3));
            assertThrows(IllegalArgumentException.class, () -> new GuestGrantTable(mem, 4));
        }
    }
}
