package io.pvkit.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.grant.internal.ActiveEntry;
import io.pvkit.grant.internal.Gntst;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every operation that reads or changes an entry's pins does so under that entry's own lock (Xen's active-entry
 * lock), so that a lock-free copy of the same entry sees the pins and busy bits of a map, unmap or swap whole: the
 * test holds the entry's lock and sees each operation wait for it.
 */
class EntryLockTest {
    private static final int HOST = GntMap.HOST_MAP;

    @Test
    void mapWaitsForTheEntrysLock() throws Exception {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false);
            ActiveEntry e = Internals.entry(f.hv, 1, ref);
            Internals.assertTakesEntryLock(e, () -> assertTrue(f.hv.map(2, 1, ref, HOST, 0).ok()));
            Internals.assertEntryUnlocked(e, "map");
            assertEquals(1, f.hv.pins(1, ref).hostWrite());
            Internals.assertEntryUnlocked(e, "pins");
        }
    }

    @Test
    void unmapWaitsForTheEntrysLock() throws Exception {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false);
            int handle = f.hv.mapHandle(2, 1, ref, GntMap.DEVICE_MAP, 0);
            assertTrue(handle >= 0);
            ActiveEntry e = Internals.entry(f.hv, 1, ref);
            Internals.assertTakesEntryLock(e, () -> assertEquals(Gntst.OKAY, f.hv.unmap(2, handle)));
            Internals.assertEntryUnlocked(e, "unmap");
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref));
        }
    }

    @Test
    void copyWaitsForTheEntrysLockOnTheFirstAndLaterUses() throws Exception {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x21), true);
            GrantCopy fromGrant = new GrantCopy(ref, 1, 0, Fixture.TABLE_FRAMES + 3, DomId.SELF, 0, 16,
                    GntCopy.SOURCE_GREF);
            ActiveEntry e = Internals.entry(f.hv, 1, ref);
            for (int use = 0; use < 2; use++) {
                Internals.assertTakesEntryLock(e, () -> assertEquals(Gntst.OKAY, f.hv.copy(2, fromGrant)));
                Internals.assertEntryUnlocked(e, "copy");
            }
            assertEquals(0x21, f.mem[2].getByte(io.pvkit.abi.memory.GuestMemory.gpaOf(Fixture.TABLE_FRAMES + 3) + 15));
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref));
        }
    }

    @Test
    void swapWaitsForTheLocksOfBothEntries() throws Exception {
        try (Fixture f = new Fixture()) {
            int a = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false);
            int b = f.guest[1].grantAccess(2, f.dataFrame(1, 1, (byte) 2), false);
            ActiveEntry lo = Internals.entry(f.hv, 1, Math.min(a, b));
            ActiveEntry hi = Internals.entry(f.hv, 1, Math.max(a, b));
            Internals.assertTakesEntryLock(lo, () -> assertEquals(Gntst.OKAY, f.hv.swapGrantRef(1, a, b)));
            Internals.assertTakesEntryLock(hi, () -> assertEquals(Gntst.OKAY, f.hv.swapGrantRef(1, b, a)));
            Internals.assertEntryUnlocked(lo, "swap");
            Internals.assertEntryUnlocked(hi, "swap");
            assertEquals(Fixture.TABLE_FRAMES, f.guest[1].query(a).frame(), "swapped twice: back in place");
        }
    }

    @Test
    void pinsReadsTheCountsUnderTheEntrysLock() throws Exception {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), true);
            assertTrue(f.hv.map(2, 1, ref, HOST | GntMap.READONLY, 0).ok());
            ActiveEntry e = Internals.entry(f.hv, 1, ref);
            Internals.assertTakesEntryLock(e, () -> assertEquals(1, f.hv.pins(1, ref).hostRead()));
            Internals.assertEntryUnlocked(e, "pins");
        }
    }
}
