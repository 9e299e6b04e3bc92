package io.pvkit.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.Gntst;
import io.pvkit.grant.internal.Maptrack;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GrantTables}' Java API beyond what grant_table_op reaches: constructor and registration checks, the
 * branches of setup_table only a Java caller reaches, the observation queries, markDying and the teardown's
 * answers for ids that are not (or no longer) registered.
 */
class GrantTablesApiTest {
    private static final int HOST = GntMap.HOST_MAP;
    private static final int DEV = GntMap.DEVICE_MAP;
    private static final int RO = GntMap.READONLY;

    @Test
    void shouldRefuseNullArgumentsAndMaptrackLimitsOutsideOneToTwoToTheTwenty() {
        assertEquals("errorHandler", assertThrows(NullPointerException.class,
                () -> new GrantTables(MappingLifetime.SHARED, 4, null)).getMessage());
        assertEquals("defaultLifetime", assertThrows(NullPointerException.class,
                () -> new GrantTables(null, 4)).getMessage());
        for (int limit : new int[] {0, -1, Maptrack.MAX_LIMIT + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new GrantTables(MappingLifetime.SHARED, limit), "limit " + limit);
            assertEquals("maptrack limit must be 1.." + Maptrack.MAX_LIMIT, e.getMessage());
        }
        new GrantTables(MappingLifetime.SHARED, 1);
        new GrantTables(MappingLifetime.SHARED, Maptrack.MAX_LIMIT);
    }

    @Test
    void shouldRefuseATableAreaOutsideMemoryAnEntriesViewOfAnotherSizeAndATakenId() {
        try (GuestMemory mem = GuestMemory.allocate(32); GuestMemory other = GuestMemory.allocate(16)) {
            GrantTables t = new GrantTables();
            DomainSpec spec = new DomainSpec(1, mem, 1, false);
            IllegalArgumentException cross = assertThrows(IllegalArgumentException.class,
                    () -> t.addDomain(spec, 30, 4));
            assertEquals("grant table frames 30+4 outside memory of 32 frames", cross.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.addDomain(spec, 29, 4));
            assertThrows(IllegalArgumentException.class, () -> t.addDomain(spec, -1, 4));
            assertThrows(IllegalArgumentException.class, () -> t.addDomain(spec, 0, 0));
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                    () -> t.addDomain(spec, other, 0, 4));
            assertEquals("the entries' view has 65536 bytes, the domain's memory 131072", size.getMessage());
            assertThrows(NullPointerException.class, () -> t.addDomain(null, 0, 4));
            assertThrows(NullPointerException.class, () -> t.addDomain(spec, null, 0, 4));
            assertFalse(t.hasDomain(1), "no refused registration left a domain behind");

            t.addDomain(spec, 28, 4); // the last four frames
            assertTrue(t.hasDomain(1));
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                    () -> t.addDomain(new DomainSpec(1, other, 1, false), 0, 1));
            assertEquals("domain 1 already registered", twice.getMessage());
            assertEquals(new TableSize(0, 1, 4), t.querySize(1, 1), "the first registration stands");
            assertTrue(t.releaseDomain(1, 1));
        }
    }

    @Test
    void shouldAnswerSetupTableOfAJavaCallerForEveryRefusal() {
        try (Fixture f = new Fixture()) {
            assertEquals(Gntst.BAD_DOMAIN, f.hv.setupTable(1, 9, 1, new long[1]));
            assertEquals(Gntst.BAD_DOMAIN, f.hv.setupTable(9, DomId.SELF, 1, new long[1]));
            assertEquals(Gntst.PERMISSION_DENIED, f.hv.setupTable(1, 0, 1, new long[1]));
            assertEquals(Gntst.GENERAL_ERROR, f.hv.setupTable(1, DomId.SELF, -1, new long[1]));
            assertEquals(Gntst.BAD_VIRT_ADDR, f.hv.setupTable(1, DomId.SELF, 1, null));
            assertEquals(Gntst.BAD_VIRT_ADDR, f.hv.setupTable(1, DomId.SELF, 1, new long[0]));
            assertEquals(1, f.hv.querySize(1, 1).nrFrames(), "no refusal grew the table");
            long[] exact = new long[4];
            assertEquals(Gntst.OKAY, f.hv.setupTable(1, DomId.SELF, 4, exact), "the maximum itself");
            assertEquals(3, exact[3]);
            assertEquals(Gntst.OKAY, f.hv.setupTable(1, DomId.SELF, 0, new long[0]), "zero frames, an empty array");
            assertEquals(4, f.hv.querySize(1, 1).nrFrames(), "a table never shrinks");
        }
    }

    @Test
    void shouldReportEachKindOfPinAndNoneForUnknownDomainsOrReferences() {
        try (Fixture f = new Fixture()) {
            long gfn = f.dataFrame(1, 0, (byte) 1);
            int ro = f.guest[1].grantAccess(2, gfn, true);
            int rw = f.guest[1].grantAccess(2, gfn, false);
            assertTrue(f.hv.map(2, 1, ro, HOST | RO, 0).ok());
            assertTrue(f.hv.map(2, 1, ro, DEV | RO, 0).ok());
            assertTrue(f.hv.map(2, 1, ro, DEV | RO, 0).ok());
            assertTrue(f.hv.map(2, 1, rw, HOST, 0).ok());
            assertTrue(f.hv.map(2, 1, rw, DEV, 0).ok());
            assertTrue(f.hv.map(2, 1, rw, HOST | DEV, 0).ok());
            assertEquals(new PinCounts(1, 0, 2, 0, 0, 0), f.hv.pins(1, ro));
            assertEquals(new PinCounts(0, 2, 0, 2, 0, 0), f.hv.pins(1, rw));
            assertEquals(6, f.hv.mappingCount(2));
            assertEquals(0, f.hv.mappingCount(1));
            assertEquals(0, f.hv.mappingCount(9), "an unknown domain holds nothing");
            assertEquals(PinCounts.NONE, f.hv.pins(9, ro), "unknown granter");
            assertEquals(PinCounts.NONE, f.hv.pins(1, -1), "a negative reference");
            assertEquals(PinCounts.NONE, f.hv.pins(1, 100_000), "a reference no entry was made for");
            assertEquals(PinCounts.NONE, f.hv.pins(1, 100), "an entry never used");
            f.guest[1].grantReserved(0, 2, gfn, true);
            assertTrue(f.hv.map(2, 1, 0, DEV | RO, 0).ok());
            assertEquals(new PinCounts(0, 0, 1, 0, 0, 0), f.hv.pins(1, 0), "reference 0 is a reference too");
        }
    }

    @Test
    void shouldGiveTheJavaMapResultItsDeviceAddressAndViewOrSegment() {
        try (Fixture f = new Fixture()) {
            long gfn = f.dataFrame(1, 0, (byte) 0x3C);
            int ref = f.guest[1].grantAccess(2, gfn, false);
            MapResult dev = f.hv.map(2, 1, ref, DEV, 0);
            assertTrue(dev.ok());
            assertEquals(GuestMemory.gpaOf(gfn), dev.devBusAddr());
            assertNull(dev.segment(), "a device-only mapping has no host segment");
            assertNull(dev.view());
            assertNull(f.hv.segmentOf(2, dev.handle()));
            assertNull(f.hv.viewOf(2, dev.handle()));

            MapResult host = f.hv.map(2, 1, ref, HOST, 0x1000);
            assertEquals(0, host.devBusAddr(), "no device part, no device address");
            assertNotNull(host.segment());
            assertNull(host.view(), "a SHARED mapping has a segment, not a view");

            MapResult checked = f.hv.map(2, 1, ref, HOST, 0x2000, MappingLifetime.CHECKED);
            assertTrue(checked.ok());
            assertNotNull(checked.view(), "the Java map makes a CHECKED mapping's view at once");
            assertNull(checked.segment());
            assertEquals(0x3C, checked.view().getByte(9));
            assertEquals(checked.view(), f.hv.viewOf(2, checked.handle()), "viewOf answers the same view");

            MapResult both = f.hv.map(2, 1, ref, HOST | DEV, 0x3000, MappingLifetime.CHECKED);
            assertEquals(GuestMemory.gpaOf(gfn), both.devBusAddr());
            assertEquals(GuestMemory.gpaOf(gfn), f.hv.devBusAddr(2, both.handle()));
            assertEquals(0, f.hv.devBusAddr(2, host.handle()), "not a device mapping");
            assertEquals(0, f.hv.devBusAddr(9, both.handle()), "an unknown mapper");
            assertEquals(0, f.hv.devBusAddr(2, -1), "a bad handle");

            assertEquals(Gntst.OKAY, f.hv.unmap(2, both.handle()), "every kind at once");
            assertEquals(0, f.hv.devBusAddr(2, both.handle()));
            assertEquals(new PinCounts(0, 2, 0, 1, 0, 0), f.hv.pins(1, ref));
            assertThrows(NullPointerException.class, () -> f.hv.map(2, 1, ref, HOST, 0, null));
        }
    }

    @Test
    void shouldMakeNoViewAtMapHandleForACheckedTableUntilViewOfAsksForIt() {
        try (GuestMemory a = GuestMemory.allocate(8); GuestMemory b = GuestMemory.allocate(8)) {
            GrantTables t = new GrantTables(MappingLifetime.CHECKED, 16);
            t.addDomain(new DomainSpec(1, a, 1, false), 0, 1);
            t.addDomain(new DomainSpec(2, b, 1, false), 0, 1);
            a.fill(GuestMemory.gpaOf(3), GuestMemory.PAGE_SIZE, (byte) 0x44);
            int ref = new GuestGrantTable(a, 0).grantAccess(2, 3, true);
            int handle = t.mapHandle(2, 1, ref, HOST | RO, 0);
            assertTrue(handle >= 0);
            GrantView v = t.viewOf(2, handle);
            assertNotNull(v);
            assertEquals(0x44, v.getByte(0));
            assertTrue(v.isReadOnly());
            assertEquals(v, t.viewOf(2, handle), "the same view afterwards");
            MapResult eager = t.map(2, 1, ref, HOST | RO, 0);
            assertNotNull(eager.view(), "map() with the CHECKED default makes the view at once");
            assertTrue(t.releaseDomain(2, 8));
            assertTrue(t.releaseDomain(1, 8));
        }
    }

    @Test
    void shouldAnswerBadDomainForASwapByADomainThatIsNotLive() {
        try (Fixture f = new Fixture()) {
            int a = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false);
            int b = f.guest[1].grantAccess(2, f.dataFrame(1, 1, (byte) 2), true);
            assertEquals(Gntst.BAD_DOMAIN, f.hv.swapGrantRef(9, a, b));
            assertTrue(f.hv.markDying(1));
            assertEquals(Gntst.BAD_DOMAIN, f.hv.swapGrantRef(1, a, b));
            assertEquals(f.dataFrame(1, 0, (byte) 1), f.guest[1].query(a).frame(), "nothing swapped");
        }
    }

    @Test
    void shouldRefuseADomainMarkedDyingAsGranterMapperAndCopierButKeepItRegistered() {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 7), false);
            int back = f.guest[2].grantAccess(1, f.dataFrame(2, 0, (byte) 8), false);
            assertFalse(f.hv.markDying(9), "unknown");
            assertFalse(f.hv.hasDomain(9));
            assertTrue(f.hv.markDying(1));
            assertTrue(f.hv.hasDomain(1), "dying, still registered");
            assertTrue(f.hv.markDying(1), "the mark is final and may be repeated");
            assertEquals(Gntst.BAD_DOMAIN, f.hv.map(2, 1, ref, HOST, 0).status(), "as granter");
            assertEquals(Gntst.GENERAL_ERROR, f.hv.map(1, 2, back, HOST, 0).status(), "as mapper");
            assertEquals(Gntst.GENERAL_ERROR, f.hv.copy(1, new GrantCopy(5, DomId.SELF, 0, 6, DomId.SELF, 0, 8, 0)),
                    "its own copy");
            assertEquals(Gntst.GENERAL_ERROR, f.hv.copy(1, new GrantCopy(5, DomId.SELF, 5000, 6, DomId.SELF, 0, 0, 0)),
                    "even a zero-length copy");
            assertEquals(GrantFlags.PERMIT_ACCESS, f.flags(1, ref), "no busy bit");
            assertTrue(f.hv.releaseDomain(1, 1));
            assertFalse(f.hv.hasDomain(1));
        }
    }

    @Test
    void shouldRefuseANullCopyElement() {
        try (Fixture f = new Fixture()) {
            assertEquals("op", assertThrows(NullPointerException.class, () -> f.hv.copy(2, null)).getMessage());
        }
    }

    @Test
    void shouldReleaseReservedAndUnknownIdsAtOnceAndRefuseANonPositiveBudget() {
        try (Fixture f = new Fixture()) {
            assertEquals("budget must be positive",
                    assertThrows(IllegalArgumentException.class, () -> f.hv.releaseDomain(1, 0)).getMessage());
            assertTrue(f.hv.hasDomain(1), "a refused call marks nothing");
            assertTrue(f.hv.map(2, 1, f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false), HOST, 0).ok());
            assertTrue(f.hv.releaseDomain(DomId.SELF, 1), "never registered");
            assertTrue(f.hv.releaseDomain(DomId.INVALID, 1));
            assertTrue(f.hv.releaseDomain(9, 1), "unknown");
            assertTrue(f.hv.hasDomain(1));
            assertTrue(f.hv.releaseDomain(1, 1), "one mapping, budget one");
            assertFalse(f.hv.hasDomain(1), "forgotten once released");
            assertTrue(f.hv.releaseDomain(1, 1), "gone: nothing left to do");
            assertEquals(0, f.hv.mappingCount(2));
        }
    }

    @Test
    void shouldLetANewDomainTakeTheIdOfAFullyReleasedOne() {
        try (Fixture f = new Fixture(); GuestMemory again = GuestMemory.allocate(8)) {
            assertTrue(f.hv.releaseDomain(1, 4));
            f.hv.addDomain(new DomainSpec(1, again, 1, false), 0, 2);
            assertEquals(new TableSize(0, 1, 2), f.hv.querySize(1, DomId.SELF));
        }
    }
}
