package io.pvkit.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.Gntst;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GrantTablesTest {
    private static final int HOST = GntMap.HOST_MAP;
    private static final int DEV = GntMap.DEVICE_MAP;
    private static final int RO = GntMap.READONLY;

    @Test
    void shouldMapGrantAndSeeGranterBytes() {
        try (Fixture f = new Fixture()) {
            long gfn = f.dataFrame(1, 0, (byte) 0x11);
            int ref = f.guest[1].grantAccess(2, gfn, false);
            MapResult r = f.hv.map(2, 1, ref, HOST, 0x1000);
            assertEquals(Gntst.OKAY, r.status());
            assertEquals(0x11, r.segment().get(ValueLayout.JAVA_BYTE, 100));
            r.segment().set(ValueLayout.JAVA_BYTE, 5, (byte) 0x22);
            assertEquals(0x22, f.mem[1].getByte(GuestMemory.gpaOf(gfn) + 5));
            assertEquals(GrantFlags.PERMIT_ACCESS | GrantFlags.READING | GrantFlags.WRITING, f.flags(1, ref));
            assertEquals(new PinCounts(0, 1, 0, 0, 0, 0), f.hv.pins(1, ref));
            assertEquals(1, f.hv.mappingCount(2));
        }
    }

    @Test
    void shouldRejectRefsOutOfRange() {
        try (Fixture f = new Fixture()) {
            for (long ref : new long[] {512, 0xFFFF_FFFFL, 4096, -1}) {
                assertEquals(Gntst.BAD_GNTREF, f.hv.map(2, 1, ref, HOST, 0).status(), "ref " + ref);
                assertEquals(Gntst.BAD_GNTREF, f.hv.copy(2, new GrantCopy(ref, 1, 0, 5, DomId.SELF, 0, 8,
                        GntCopy.SOURCE_GREF)), "copy ref " + ref);
                assertEquals(Gntst.BAD_GNTREF, f.hv.swapGrantRef(1, ref, 8), "swap ref " + ref);
            }
            assertEquals(0, f.hv.mappingCount(2), "a failed map leaves no handle behind");
        }
    }

    @Test
    void shouldGrowTableWithSetupAndReportSize() {
        try (Fixture f = new Fixture()) {
            assertEquals(new TableSize(0, 1, 4), f.hv.querySize(1, DomId.SELF));
            long[] frames = new long[2];
            assertEquals(Gntst.OKAY, f.hv.setupTable(1, DomId.SELF, 2, frames));
            assertArrayEquals(new long[] {0, 1}, frames);
            assertEquals(new TableSize(0, 2, 4), f.hv.querySize(1, 1));
            assertEquals(Gntst.GENERAL_ERROR, f.hv.setupTable(1, DomId.SELF, 5, new long[5]));
            assertEquals(Gntst.GENERAL_ERROR, f.hv.setupTable(1, DomId.SELF, 0xFFFF_FFFFL, new long[1]));
            assertEquals(Gntst.BAD_VIRT_ADDR, f.hv.setupTable(1, DomId.SELF, 3, new long[2]));
            assertEquals(Gntst.PERMISSION_DENIED, f.hv.setupTable(1, 2, 1, new long[1]));
            assertEquals(Gntst.OKAY, f.hv.setupTable(0, 2, 1, new long[1]), "dom0 may");
            assertEquals(Gntst.BAD_DOMAIN, f.hv.querySize(1, 9).status());
            // a ref in frame 1 is valid now
            GuestGrantTable big = new GuestGrantTable(f.mem[1], 0, 1);
            int ref = -1;
            for (int i = 0; i < 600; i++) {
                ref = big.grantAccess(2, 5, true);
            }
            assertTrue(ref >= 512);
            assertEquals(Gntst.OKAY, f.hv.map(2, 1, ref, HOST | RO, 0).status());
        }
    }

    @Test
    void shouldRefuseMapperThatIsNotTheGrantee() {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false);
            assertEquals(Gntst.GENERAL_ERROR, f.hv.map(0, 1, ref, HOST, 0).status(), "dom0 is not the grantee");
            assertEquals(Gntst.GENERAL_ERROR, f.hv.map(2, 0, ref, HOST, 0).status(), "wrong granting domain");
            assertEquals(Gntst.BAD_DOMAIN, f.hv.map(2, 9, ref, HOST, 0).status());
            assertEquals(Gntst.BAD_DOMAIN, f.hv.map(2, DomId.SELF, ref, HOST, 0).status());
            // pinned by domain 2: still refused for domain 0
            assertEquals(Gntst.OKAY, f.hv.map(2, 1, ref, HOST, 0).status());
            assertEquals(Gntst.GENERAL_ERROR, f.hv.map(0, 1, ref, HOST, 0).status());
        }
    }

    @Test
    void shouldRefuseWritableMapOfReadOnlyGrantAndGiveReadOnlySegment() {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 3), true);
            assertEquals(Gntst.GENERAL_ERROR, f.hv.map(2, 1, ref, HOST, 0).status());
            assertEquals(GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY, f.flags(1, ref), "failed map leaves no bits");
            MapResult r = f.hv.map(2, 1, ref, HOST | RO, 0);
            assertTrue(r.ok());
            assertTrue(r.segment().isReadOnly());
            assertThrows(IllegalArgumentException.class, () -> r.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 9));
            assertEquals(3, f.mem[1].getByte(GuestMemory.gpaOf(f.guest[1].query(ref).frame())));
            assertEquals(Gntst.GENERAL_ERROR, f.hv.map(2, 1, ref, HOST, 0).status(), "no upgrade while pinned ro");
            assertEquals(Gntst.GENERAL_ERROR, f.hv.copy(2, new GrantCopy(5, DomId.SELF, 0, ref, 1, 0, 8,
                    GntCopy.DEST_GREF)), "read-only grant as copy destination");
        }
    }

    @Test
    void shouldKeepWritingUntilLastWritableMappingGoes() {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0), false);
            MapResult w = f.hv.map(2, 1, ref, HOST, 0);
            MapResult r = f.hv.map(2, 1, ref, HOST | RO, 0);
            MapResult d = f.hv.map(2, 1, ref, DEV, 0);
            assertEquals(new PinCounts(1, 1, 0, 1, 0, 0), f.hv.pins(1, ref));
            assertEquals(Gntst.OKAY, f.hv.unmap(2, r.handle()));
            assertEquals(GrantFlags.READING | GrantFlags.WRITING, f.flags(1, ref) & 0x18, "ro unmap keeps writing");
            assertEquals(Gntst.OKAY, f.hv.unmap(2, w.handle()));
            assertEquals(GrantFlags.READING | GrantFlags.WRITING, f.flags(1, ref) & 0x18, "device map still writes");
            assertEquals(RevokeResult.STILL_IN_USE, f.guest[1].endAccess(ref));
            assertEquals(Gntst.OKAY, f.hv.unmap(2, d.handle()));
            assertEquals(0, f.flags(1, ref) & 0x18);
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref));
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
        }
    }

    @Test
    void shouldUnmapHostAndDevicePartsSeparately() {
        try (Fixture f = new Fixture()) {
            long gfn = f.dataFrame(1, 0, (byte) 0);
            int ref = f.guest[1].grantAccess(2, gfn, false);
            MapResult m = f.hv.map(2, 1, ref, HOST | DEV, 0x5000);
            assertEquals(GuestMemory.gpaOf(gfn), m.devBusAddr());
            assertEquals(new PinCounts(0, 1, 0, 1, 0, 0), f.hv.pins(1, ref));
            assertEquals(Gntst.GENERAL_ERROR, f.hv.unmap(2, m.handle(), 0x6000, 0), "wrong host address");
            assertEquals(Gntst.GENERAL_ERROR, f.hv.unmap(2, m.handle(), 0, 0x1234000), "wrong bus address");
            assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle(), 0x5000, 0));
            assertThrows(IllegalStateException.class, () -> m.segment().get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(new PinCounts(0, 0, 0, 1, 0, 0), f.hv.pins(1, ref));
            assertEquals(GrantFlags.READING | GrantFlags.WRITING, f.flags(1, ref) & 0x18);
            assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle(), 0, m.devBusAddr()));
            assertEquals(0, f.flags(1, ref) & 0x18);
            assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(2, m.handle()));
        }
    }

    @ParameterizedTest
    @EnumSource(value = MappingLifetime.class, names = {"SHARED", "CONFINED"})
    void shouldThrowWhenSegmentTouchedAfterUnmap(MappingLifetime lifetime) {
        try (Fixture f = new Fixture(new GrantTables(lifetime, 16))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 7), false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0);
            MemorySegment seg = m.segment();
            assertEquals(7, seg.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()));
            assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, () -> seg.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
        }
    }

    @Test
    void shouldRejectBadStaleAndDoubleUnmapWithoutUnderflow() {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0), false);
            MapResult a = f.hv.map(2, 1, ref, HOST, 0);
            assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(2, 12345));
            assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(2, -1));
            assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(1, a.handle()), "not the holder");
            assertEquals(Gntst.OKAY, f.hv.unmap(2, a.handle()));
            assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(2, a.handle()));
            MapResult b = f.hv.map(2, 1, ref, HOST, 0);
            assertNotEquals(a.handle(), b.handle(), "a reused slot gets a new generation");
            assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(2, a.handle()), "stale handle does not hit the new mapping");
            assertEquals(new PinCounts(0, 1, 0, 0, 0, 0), f.hv.pins(1, ref));
            assertEquals(Gntst.OKAY, f.hv.unmap(2, b.handle()));
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref));
        }
    }

    @Test
    void shouldReportNoSpaceAndRecoverAfterUnmap() {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CONFINED, 4))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0), true);
            int[] handles = new int[4];
            for (int i = 0; i < 4; i++) {
                MapResult r = f.hv.map(2, 1, ref, HOST | RO, 0);
                assertEquals(Gntst.OKAY, r.status());
                handles[i] = r.handle();
            }
            assertEquals(Gntst.NO_SPACE, f.hv.map(2, 1, ref, HOST | RO, 0).status());
            assertEquals(4, f.hv.pins(1, ref).hostRead());
            assertEquals(Gntst.OKAY, f.hv.unmap(2, handles[2]));
            assertEquals(Gntst.OKAY, f.hv.map(2, 1, ref, HOST | RO, 0).status());
        }
    }

    /**
     * Xen's pin counters are 8 bits wide and a map is refused while the counter it increments has its top bit set
     * ({@code act->pin & GNTPIN_incr2oflow_mask(pin_incr)}): a counter reaches 0x80, so the 129th map of one kind
     * is the first refused, with {@code GNTST_general_error} (conformance rule GNT-29).
     */
    @Test
    void shouldRefusePinCounterOverflow() {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CONFINED, 1024))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0), true);
            int ok = 0;
            MapResult r;
            while ((r = f.hv.map(2, 1, ref, DEV | RO, 0)).ok()) {
                ok++;
            }
            assertEquals(0x80, ok);
            assertEquals(Gntst.GENERAL_ERROR, r.status());
            assertEquals(0x80, f.hv.pins(1, ref).deviceRead());
        }
    }

    @Test
    void shouldActOnPinnedSnapshotWhenGranterRewritesEntry() {
        try (Fixture f = new Fixture()) {
            long a = f.dataFrame(1, 0, (byte) 0xA);
            long b = f.dataFrame(1, 1, (byte) 0xB);
            int ref = f.guest[1].grantAccess(2, a, false);
            MapResult m1 = f.hv.map(2, 1, ref, HOST | RO, 0);
            long entry = f.guest[1].entryGpa(ref);
            f.mem[1].setInt(entry + GrantEntryV1Layout.FRAME_OFFSET, (int) b);      // hostile rewrite of frame
            MapResult m2 = f.hv.map(2, 1, ref, HOST | RO, 0);
            assertEquals(0xA, m2.segment().get(ValueLayout.JAVA_BYTE, 0), "second map uses the pinned frame");
            MemorySegment dst = f.mem[2].frame(9);
            assertEquals(Gntst.OKAY, f.hv.copy(2, new GrantCopy(ref, 1, 0, 9, DomId.SELF, 0, 16,
                    GntCopy.SOURCE_GREF)));
            assertEquals(0xA, dst.get(ValueLayout.JAVA_BYTE, 3), "copy uses the pinned frame");
            f.hv.unmap(2, m1.handle());
            f.hv.unmap(2, m2.handle());
            MapResult m3 = f.hv.map(2, 1, ref, HOST | RO, 0);
            assertEquals(0xB, m3.segment().get(ValueLayout.JAVA_BYTE, 0), "after the last unmap the entry is re-read");
        }
    }

    @Test
    void shouldRejectGrantOfFrameOutsideGranterMemory() {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, 5, false);
            f.mem[1].setInt(f.guest[1].entryGpa(ref) + GrantEntryV1Layout.FRAME_OFFSET, 1_000_000);
            assertEquals(Gntst.BAD_PAGE, f.hv.map(2, 1, ref, HOST, 0).status());
            assertEquals(GrantFlags.PERMIT_ACCESS, f.flags(1, ref), "busy bits undone");
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref));
        }
    }

    @Test
    void shouldGiveUpOnEntryThatChangesOnEveryCas() throws Exception {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0), false);
            long word = f.guest[1].entryGpa(ref);
            AtomicReference<Boolean> stop = new AtomicReference<>(false);
            Thread flipper = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    f.mem[1].getAndBitwiseOrInt(word, (1 << 6));
                    f.mem[1].getAndBitwiseAndInt(word, ~(1 << 6));
                }
            });
            int unstable = 0;
            for (int i = 0; i < 2000; i++) {
                MapResult r = f.hv.map(2, 1, ref, DEV, 0);
                if (r.ok()) {
                    assertEquals(Gntst.OKAY, f.hv.unmap(2, r.handle()));
                } else {
                    assertEquals(Gntst.GENERAL_ERROR, r.status());
                    unstable++;
                }
            }
            stop.set(true);
            flipper.join();
            // the exact 5-attempt bound is tested deterministically in internal.EntryProtocolTest; this
            // race only checks that whichever way each map went, no busy bit is left behind
            assertEquals(0, f.flags(1, ref) & 0x18, "no stale busy bits after " + unstable + " unstable maps");
        }
    }

    @Test
    void shouldCopyWithPerElementBoundsAndZeroLengthNoOp() {
        try (Fixture f = new Fixture()) {
            long src = f.dataFrame(1, 0, (byte) 0x33);
            int ref = f.guest[1].grantAccess(2, src, true);
            long local = f.dataFrame(2, 0, (byte) 0);
            assertEquals(Gntst.BAD_COPY_ARG, f.hv.copy(2, new GrantCopy(ref, 1, 4000, local, DomId.SELF, 0, 100,
                    GntCopy.SOURCE_GREF)));
            assertEquals(Gntst.BAD_COPY_ARG, f.hv.copy(2, new GrantCopy(ref, 1, 0, local, DomId.SELF, 4095, 2,
                    GntCopy.SOURCE_GREF)));
            assertEquals(Gntst.OKAY, f.hv.copy(2, new GrantCopy(99999, 1, 0, 99999, DomId.SELF, 0, 0,
                    GntCopy.SOURCE_GREF)), "zero length is a no-op");
            assertEquals(0, f.mem[2].getByte(GuestMemory.gpaOf(local)));
            assertEquals(Gntst.OKAY, f.hv.copy(2, new GrantCopy(ref, 1, 10, local, DomId.SELF, 4000, 96,
                    GntCopy.SOURCE_GREF)));
            assertEquals(0x33, f.mem[2].getByte(GuestMemory.gpaOf(local) + 4000));
            assertEquals(0x33, f.mem[2].getByte(GuestMemory.gpaOf(local) + 4095));
            assertEquals(0, f.mem[2].getByte(GuestMemory.gpaOf(local) + 3999));
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref), "copy releases its pin");
            assertEquals(GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY, f.flags(1, ref));
            assertEquals(Gntst.PERMISSION_DENIED, f.hv.copy(2, new GrantCopy(local, 1, 0, local, DomId.SELF, 0, 8,
                    0)), "frames only for DOMID_SELF");
            assertEquals(Gntst.BAD_PAGE, f.hv.copy(2, new GrantCopy(4000, DomId.SELF, 0, local, DomId.SELF, 0, 8,
                    0)));
            assertEquals(Gntst.GENERAL_ERROR, f.hv.copy(0, new GrantCopy(ref, 1, 0, 5, DomId.SELF, 0, 8,
                    GntCopy.SOURCE_GREF)), "not the grantee");
        }
    }

    @Test
    void shouldCopyIntoWritableGrant() {
        try (Fixture f = new Fixture()) {
            long dst = f.dataFrame(1, 0, (byte) 0);
            int ref = f.guest[1].grantAccess(2, dst, false);
            long local = f.dataFrame(2, 0, (byte) 0x44);
            assertEquals(Gntst.OKAY, f.hv.copy(2, new GrantCopy(local, DomId.SELF, 0, ref, 1, 0, 4096,
                    GntCopy.DEST_GREF)));
            assertEquals(0x44, f.mem[1].getByte(GuestMemory.gpaOf(dst) + 4095));
            assertEquals(GrantFlags.PERMIT_ACCESS, f.flags(1, ref));
        }
    }

    @Test
    void shouldRefuseRevokeWhileMappedAndAllowAfterUnmap() {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0), false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0);
            assertEquals(RevokeResult.STILL_IN_USE, f.guest[1].endAccess(ref));
            f.hv.unmap(2, m.handle());
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
            assertEquals(Gntst.GENERAL_ERROR, f.hv.map(2, 1, ref, HOST, 0).status(), "revoked entry is unmappable");
        }
    }

    @Test
    void shouldRevokeMappingsFromMappersWhenGranterDies() {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0), false);
            int ref0 = f.guest[1].grantAccess(0, f.dataFrame(1, 1, (byte) 0), true);
            MapResult m2 = f.hv.map(2, 1, ref, HOST, 0);
            MapResult m0 = f.hv.map(0, 1, ref0, HOST | RO, 0);
            int self = f.guest[2].grantAccess(1, f.dataFrame(2, 0, (byte) 0), false);
            MapResult held = f.hv.map(1, 2, self, HOST, 0);
            int budgetCalls = 0;
            while (!f.hv.releaseDomain(1, 1)) {
                budgetCalls++;
            }
            assertEquals(2, budgetCalls, "one mapping per call with budget 1: three calls, the last one finishes");
            assertThrows(IllegalStateException.class, () -> m2.segment().get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, () -> m0.segment().get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, () -> held.segment().get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(2, m2.handle()));
            assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(0, m0.handle()));
            assertEquals(0, f.flags(2, self) & 0x18, "the dead mapper's pins on domain 2 are released");
            assertEquals(RevokeResult.REVOKED, f.guest[2].endAccess(self));
            assertEquals(Gntst.BAD_DOMAIN, f.hv.map(2, 1, ref, HOST, 0).status());
            assertEquals(0, f.hv.mappingCount(2));
        }
    }

    @Test
    void shouldDeferConfinedCloseToOwnerThread() throws Exception {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CONFINED, 16))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 5), false);
            MapResult m = f.hv.map(2, 1, ref, HOST, 0);
            AtomicReference<Object> other = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    m.segment().get(ValueLayout.JAVA_BYTE, 0);
                    other.set("read");
                } catch (RuntimeException e) {
                    other.set(e);
                }
            });
            t.join();
            assertInstanceOf(WrongThreadException.class, other.get(), "others cannot touch a confined mapping");
            assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()));
            assertThrows(IllegalStateException.class, () -> m.segment().get(ValueLayout.JAVA_BYTE, 0));
            // now the cross-thread case: revoke from another thread keeps the pin until the owner reaps
            MapResult m2 = f.hv.map(2, 1, ref, HOST, 0);
            Thread killer = Thread.ofPlatform().start(() -> f.hv.releaseDomain(2, Integer.MAX_VALUE));
            killer.join();
            assertEquals(5, m2.segment().get(ValueLayout.JAVA_BYTE, 0), "owner still sees the pinned page");
            assertEquals(RevokeResult.STILL_IN_USE, f.guest[1].endAccess(ref), "granter cannot reuse it yet");
            assertEquals(1, f.hv.reap());
            assertThrows(IllegalStateException.class, () -> m2.segment().get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
        }
    }

    @Test
    void shouldReleaseConfinedMappingOfTerminatedOwner() throws Exception {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CONFINED, 16))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 5), false);
            AtomicReference<MapResult> m = new AtomicReference<>();
            Thread owner = Thread.ofPlatform().start(() -> m.set(f.hv.map(2, 1, ref, HOST, 0)));
            owner.join();
            assertEquals(Gntst.OKAY, f.hv.unmap(2, m.get().handle()));
            assertNull(f.hv.pins(1, ref).total() == 0 ? null : "pinned");
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref));
        }
    }

    @Test
    void shouldSwapUnusedEntriesOnly() {
        try (Fixture f = new Fixture()) {
            int a = f.guest[1].grantAccess(2, 5, false);
            int b = f.guest[1].grantAccess(2, 6, true);
            assertEquals(Gntst.OKAY, f.hv.swapGrantRef(1, a, b));
            assertEquals(6, f.guest[1].query(a).frame());
            assertEquals(5, f.guest[1].query(b).frame());
            MapResult m = f.hv.map(2, 1, a, HOST | RO, 0);
            assertEquals(Gntst.EAGAIN, f.hv.swapGrantRef(1, a, b));
            f.hv.unmap(2, m.handle());
        }
    }

    @ParameterizedTest(name = "srcOff={0} dstOff={1} len={2}")
    @CsvSource({"2147483647, 0, 1", "0, 2147483647, 1", "1, 0, 2147483647", "4095, 0, 2147483647",
            "-1, 0, 1", "0, -2147483648, 1", "0, 0, -1", "0, 0, -2147483648", "4097, 0, 1", "0, 4096, 1",
            "65535, 0, 65535"})
    void shouldRejectHugeOrNegativeCopyArgsAndStayRevocable(int srcOff, int dstOff, int len) {
        try (Fixture f = new Fixture()) {
            long src = f.dataFrame(1, 0, (byte) 0x33);
            int ref = f.guest[1].grantAccess(2, src, true);
            long local = f.dataFrame(2, 0, (byte) 0);
            assertEquals(Gntst.BAD_COPY_ARG, f.hv.copy(2, new GrantCopy(ref, 1, srcOff, local, DomId.SELF, dstOff,
                    len, GntCopy.SOURCE_GREF)));
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref), "no copy pin left");
            assertEquals(0, f.flags(1, ref) & 0x18, "no busy bit left");
            assertEquals(0, f.mem[2].getByte(GuestMemory.gpaOf(local)), "nothing copied");
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref), "the granter can revoke afterwards");
        }
    }

    @ParameterizedTest
    @EnumSource(value = MappingLifetime.class, names = {"SHARED", "CONFINED"}) // CHECKED makes no segment
    void shouldRollBackMapWhenMakingTheSegmentThrows(MappingLifetime lifetime) {
        try (Fixture f = new Fixture(new GrantTables(lifetime, 2))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 5), false);
            f.hv.aliaser((frame, arena) -> {
                throw new IllegalStateException("injected alias failure");
            });
            for (int i = 0; i < 3; i++) {
                assertEquals(Gntst.GENERAL_ERROR, f.hv.map(2, 1, ref, HOST, 0x1000).status(), "attempt " + i);
            }
            assertEquals(0, f.flags(1, ref) & 0x18, "no GTF_reading/GTF_writing left behind");
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref), "no pin left behind");
            assertEquals(0, f.hv.mappingCount(2), "the maptrack slot is free");

            // with a pinned read-only mapping, a failed writable upgrade clears only GTF_writing
            f.hv.aliaser(io.pvkit.grant.internal.FrameAlias::alias);
            MapResult ro = f.hv.map(2, 1, ref, HOST | RO, 0x2000);
            assertEquals(Gntst.OKAY, ro.status());
            f.hv.aliaser((frame, arena) -> {
                throw new IllegalStateException("injected alias failure");
            });
            assertEquals(Gntst.GENERAL_ERROR, f.hv.map(2, 1, ref, HOST, 0x1000).status());
            assertEquals(GrantFlags.READING, f.flags(1, ref) & 0x18, "the read-only mapping still reads");
            assertEquals(new PinCounts(1, 0, 0, 0, 0, 0), f.hv.pins(1, ref));
            assertEquals(1, f.hv.mappingCount(2));
            assertEquals(RevokeResult.STILL_IN_USE, f.guest[1].endAccess(ref));
            assertEquals(Gntst.OKAY, f.hv.unmap(2, ro.handle()));

            f.hv.aliaser(io.pvkit.grant.internal.FrameAlias::alias);
            MapResult a = f.hv.map(2, 1, ref, HOST, 0x1000);
            MapResult b = f.hv.map(2, 1, ref, HOST, 0x2000);
            assertEquals(Gntst.OKAY, a.status(), "both maptrack slots (limit 2) are usable again");
            assertEquals(Gntst.OKAY, b.status());
            assertEquals(Gntst.OKAY, f.hv.unmap(2, a.handle()));
            assertEquals(Gntst.OKAY, f.hv.unmap(2, b.handle()));
            assertEquals(RevokeResult.REVOKED, f.guest[1].endAccess(ref), "the entry can be revoked");
        }
    }

    @ParameterizedTest
    @CsvSource({"1", "2", "8"})
    void shouldNeverLetAStaleHandleUnmapANewerMappingAcrossManySlotReuses(int limit) {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CONFINED, limit))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), false);
            MapResult first = f.hv.map(2, 1, ref, DEV, 0);
            assertEquals(Gntst.OKAY, first.status());
            assertEquals(Gntst.OKAY, f.hv.unmap(2, first.handle()));
            int stale = first.handle();
            // far more than 2048 (the old 11-bit generation) reuses of every slot
            int cycles = 2100 * limit;
            for (int i = 0; i < cycles; i++) {
                MapResult m = f.hv.map(2, 1, ref, DEV, 0);
                assertEquals(Gntst.OKAY, m.status());
                assertNotEquals(stale, m.handle(), "cycle " + i + " reissued the stale handle");
                assertEquals(Gntst.BAD_HANDLE, f.hv.unmap(2, stale), "cycle " + i + ": the stale handle hit a newer mapping");
                assertEquals(1, f.hv.pins(1, ref).deviceWrite(), "cycle " + i + ": the newer mapping is intact");
                assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()));
            }
        }
    }

    @Test
    void shouldCopyZeroLengthAsOkayBeforeAnyOffsetCheckAsXenDoes() {
        try (Fixture f = new Fixture()) {
            long local = f.dataFrame(2, 0, (byte) 0);
            for (int[] off : new int[][] {{4096, 0}, {0, 4097}, {0xFFFF, 0xFFFF}, {-1, 0}}) {
                assertEquals(Gntst.OKAY, f.hv.copy(2, new GrantCopy(99999, 1, off[0], local, DomId.SELF, off[1], 0,
                        GntCopy.SOURCE_GREF)), "zero-length copy with offsets " + off[0] + ", " + off[1]);
            }
        }
    }

    @Test
    void shouldSwapARefWithItselfAsANoOpEvenWhilePinnedAsXenDoes() {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 1), true);
            MapResult m = f.hv.map(2, 1, ref, DEV | RO, 0);
            assertEquals(Gntst.OKAY, m.status());
            long before = f.mem[1].getLong(f.guest[1].entryGpa(ref));
            assertEquals(Gntst.OKAY, f.hv.swapGrantRef(1, ref, ref), "swap(a, a) is a no-op");
            assertEquals(before, f.mem[1].getLong(f.guest[1].entryGpa(ref)));
            assertEquals(Gntst.EAGAIN, f.hv.swapGrantRef(1, ref, ref + 1), "a pinned entry with another");
            assertEquals(Gntst.BAD_GNTREF, f.hv.swapGrantRef(1, 512, 512), "the range check still comes first");
        }
    }

    @Test
    void shouldReportUnexpectedExceptionsToTheErrorHandlerAndStillReturnGeneralError() {
        java.util.List<Throwable> errors = new java.util.ArrayList<>();
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.SHARED, 4, errors::add))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 5), false);
            IllegalStateException injected = new IllegalStateException("injected alias failure");
            f.hv.aliaser((frame, arena) -> {
                throw injected;
            });
            assertEquals(Gntst.GENERAL_ERROR, f.hv.map(2, 1, ref, HOST, 0x1000).status());
            assertEquals(java.util.List.of(injected), errors, "the failure reached the handler");
            assertEquals(0, f.flags(1, ref) & 0x18);
        }
    }

    @Test
    void shouldLogUnexpectedExceptionsByDefault() {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.SHARED, 4))) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 5), false);
            f.hv.aliaser((frame, arena) -> {
                throw new IllegalStateException("injected alias failure (logged by the default handler)");
            });
            assertEquals(Gntst.GENERAL_ERROR, f.hv.map(2, 1, ref, HOST, 0x1000).status(), "still a status");
        }
        assertThrows(IllegalStateException.class, () -> ErrorHandler.rethrowing().onError(new IllegalStateException()));
    }
}
