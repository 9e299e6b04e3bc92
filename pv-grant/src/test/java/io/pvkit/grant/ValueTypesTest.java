package io.pvkit.grant;

import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.grant.GrantStatus;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.NoSuchElementException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The value types pv-grant hands to Java callers: their derived accessors and factories. */
class ValueTypesTest {
    @Test
    void pinCountsShouldSumEveryCounterAndTheWritableOnes() {
        PinCounts p = new PinCounts(1, 2, 4, 8, 16, 32);
        assertEquals(63, p.total());
        assertEquals(2 + 8 + 32, p.writers());
        assertEquals(1, new PinCounts(1, 0, 0, 0, 0, 0).total());
        assertEquals(0, new PinCounts(1, 0, 4, 0, 16, 0).writers(), "read-only pins are not writers");
        assertEquals(0, PinCounts.NONE.total());
        assertEquals(0, PinCounts.NONE.writers());
    }

    @Test
    void tableSizeShouldBeOkOnlyForStatusZeroAndNameItsStatus() {
        TableSize ok = new TableSize(0, 1, 4);
        assertTrue(ok.ok());
        assertEquals(GrantStatus.OKAY, ok.grantStatus());
        TableSize denied = new TableSize(GrantStatus.PERMISSION_DENIED.code(), 0, 0);
        assertFalse(denied.ok());
        assertEquals(GrantStatus.PERMISSION_DENIED, denied.grantStatus());
        assertFalse(new TableSize(1, 0, 0).ok(), "a positive status is not okay either");
        assertThrows(NoSuchElementException.class, () -> new TableSize(-999, 0, 0).grantStatus());
    }

    @Test
    void mapResultShouldBeOkOnlyForStatusZeroAndFailWithoutHandleOrSegment() {
        MapResult failed = MapResult.failed(GrantStatus.BAD_GNTREF.code());
        assertFalse(failed.ok());
        assertEquals(GrantStatus.BAD_GNTREF, failed.grantStatus());
        assertEquals(-1, failed.handle());
        assertEquals(0, failed.devBusAddr());
        assertNull(failed.segment());
        assertNull(failed.view());
        MemorySegment seg = MemorySegment.ofArray(new byte[8]);
        MapResult ok = new MapResult(0, 7, 0x5000, seg);
        assertTrue(ok.ok());
        assertEquals(GrantStatus.OKAY, ok.grantStatus());
        assertEquals(7, ok.handle());
        assertEquals(0x5000, ok.devBusAddr());
        assertSame(seg, ok.segment());
        assertNull(ok.view(), "the four-argument form has no view");
        assertFalse(new MapResult(1, 0, 0, null).ok());
        assertThrows(NoSuchElementException.class, () -> MapResult.failed(-999).grantStatus());
    }

    @Test
    void grantEntrySnapshotShouldReadTypeReadOnlyAndBusyBits() {
        int permit = GrantFlags.PERMIT_ACCESS;
        GrantEntrySnapshot plain = new GrantEntrySnapshot(8, permit, 2, 5);
        assertTrue(plain.permitsAccess());
        assertFalse(plain.readOnly());
        assertFalse(plain.inUse());

        GrantEntrySnapshot ro = new GrantEntrySnapshot(8, permit | GrantFlags.READONLY, 2, 5);
        assertTrue(ro.permitsAccess());
        assertTrue(ro.readOnly());
        assertFalse(ro.inUse());

        assertTrue(new GrantEntrySnapshot(8, permit | GrantFlags.READING, 2, 5).inUse());
        assertTrue(new GrantEntrySnapshot(8, permit | GrantFlags.WRITING, 2, 5).inUse());
        assertFalse(new GrantEntrySnapshot(8, permit | GrantFlags.READONLY | GrantFlags.SUB_PAGE, 2, 5).inUse());

        assertFalse(new GrantEntrySnapshot(8, GrantFlags.INVALID, 0, 0).permitsAccess());
        assertFalse(new GrantEntrySnapshot(8, GrantFlags.ACCEPT_TRANSFER, 2, 5).permitsAccess());
        assertFalse(new GrantEntrySnapshot(8, GrantFlags.TRANSITIVE, 2, 5).permitsAccess(),
                "transitive has the permit bit set but is another type");
        assertFalse(new GrantEntrySnapshot(8, GrantFlags.INVALID | GrantFlags.READONLY, 0, 0).permitsAccess());
    }
}
