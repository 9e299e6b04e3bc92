package io.pvkit.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.Gntst;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pin counters' bound as Xen counts it ({@code map_grant_ref} and {@code acquire_grant_for_copy} with
 * {@code GNTPIN_incr2oflow_mask(pin_incr)}): four 8-bit counters per entry (host read, host write, device read,
 * device write), a copy adds to the host counter of its direction, and a use is refused only when a counter <em>it
 * adds to</em> has its top bit set. Everything else of the entry goes ahead.
 */
class PinBoundTest {
    private static final int HOST = GntMap.HOST_MAP;
    private static final int DEV = GntMap.DEVICE_MAP;
    private static final int RO = GntMap.READONLY;
    private static final int[] KINDS = {HOST | RO, HOST, DEV | RO, DEV};
    private static final int BOUND = 0x80;
    private static final int GRANTER = 1;
    private static final int MAPPER = 2;

    private static String kind(int flags) {
        return ((flags & HOST) != 0 ? "host" : "device") + ((flags & RO) != 0 ? " read-only" : " writable");
    }

    private static int busy(int flags) {
        return GrantFlags.READING | ((flags & RO) != 0 ? 0 : GrantFlags.WRITING);
    }

    /**
     * 128 mappings of one kind: the 129th of that kind is refused, every other kind maps, and a copy is refused only
     * in the direction whose host counter is the full one (from the entry with 128 read-only host mappings, into it
     * with 128 writable ones); with a device counter full both copies go ahead. pv-grant refused all of these while
     * any counter of the entry was at 0x80, so this failed for the other kinds and the other copy direction.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {HOST | RO, HOST, DEV | RO, DEV})
    void onlyTheCounterAUseAddsToIsBounded(int full) {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 1024))) {
            long gfn = f.dataFrame(GRANTER, 0, (byte) 0x5A);
            int ref = f.guest[GRANTER].grantAccess(MAPPER, gfn, false);
            List<Integer> held = new ArrayList<>();
            for (int i = 0; i < BOUND; i++) {
                MapResult m = f.hv.map(MAPPER, GRANTER, ref, full, 0);
                assertEquals(Gntst.OKAY, m.status(), kind(full) + " mapping " + (i + 1));
                held.add(m.handle());
            }
            assertEquals(Gntst.GENERAL_ERROR, f.hv.map(MAPPER, GRANTER, ref, full, 0).status(),
                    "mapping " + (BOUND + 1) + " of kind " + kind(full));
            for (int other : KINDS) {
                if (other == full) {
                    continue;
                }
                MapResult m = f.hv.map(MAPPER, GRANTER, ref, other, 0);
                assertEquals(Gntst.OKAY, m.status(), "a " + kind(other) + " mapping of an entry with " + BOUND + " "
                        + kind(full) + " ones (its own counter is 0)");
                assertEquals(Gntst.OKAY, f.hv.unmap(MAPPER, m.handle()));
                assertEquals(busy(full), f.flags(GRANTER, ref) & (GrantFlags.READING | GrantFlags.WRITING),
                        "busy bits after the " + kind(other) + " mapping's unmap");
            }
            // a copy from the entry adds to host read, a copy into it to host write
            boolean fromRefused = full == (HOST | RO);
            boolean intoRefused = full == HOST;
            long own = f.dataFrame(MAPPER, 1, (byte) 0x33);
            assertEquals(fromRefused ? Gntst.GENERAL_ERROR : Gntst.OKAY, f.hv.copy(MAPPER,
                    new GrantCopy(ref, GRANTER, 0, own, DomId.SELF, 0, 64, GntCopy.SOURCE_GREF)),
                    "copy from the entry with " + BOUND + " " + kind(full) + " mappings");
            assertEquals(fromRefused ? 0x33 : 0x5A, f.mem[MAPPER].getByte(GuestMemory.gpaOf(own) + 63));
            f.mem[MAPPER].fill(GuestMemory.gpaOf(own), 64, (byte) 0x44);
            assertEquals(intoRefused ? Gntst.GENERAL_ERROR : Gntst.OKAY, f.hv.copy(MAPPER,
                    new GrantCopy(own, DomId.SELF, 0, ref, GRANTER, 0, 64, GntCopy.DEST_GREF)),
                    "copy into the entry with " + BOUND + " " + kind(full) + " mappings");
            assertEquals(intoRefused ? 0x5A : 0x44, f.mem[GRANTER].getByte(GuestMemory.gpaOf(gfn) + 63));
            assertEquals(busy(full), f.flags(GRANTER, ref) & (GrantFlags.READING | GrantFlags.WRITING),
                    "busy bits after the copies");
            for (int h : held) {
                assertEquals(Gntst.OKAY, f.hv.unmap(MAPPER, h));
            }
            assertEquals(PinCounts.NONE, f.hv.pins(GRANTER, ref));
            assertEquals(RevokeResult.REVOKED, f.guest[GRANTER].endAccess(ref));
        }
    }

    /**
     * A copy in flight counts in the host counter of its direction, as a host mapping does (Xen has no copy
     * counters): with 127 read-only host mappings and a copy from the entry in flight (held inside the entry CAS of
     * its destination), the next read-only host mapping is refused while a device one goes ahead; once the copy is
     * done the host mapping goes ahead. pv-grant bounded copies in counters of their own, so the mapping went
     * ahead during the copy and the shared counter passed 0x80.
     */
    @Test
    void aCopyInFlightCountsInItsHostCounter() throws Exception {
        GuestMemory granterMem = GuestMemory.allocate(8);
        GuestMemory mapperMem = GuestMemory.allocate(8);
        CountingMemory entries = new CountingMemory(granterMem);
        GrantTables hv = new GrantTables(MappingLifetime.CHECKED, 1024);
        hv.addDomain(new DomainSpec(GRANTER, granterMem, 1, false), entries, 0, 1);
        hv.addDomain(new DomainSpec(MAPPER, mapperMem, 1, false), 0, 1);
        GuestGrantTable guest = new GuestGrantTable(granterMem, 0);
        int src = guest.grantAccess(MAPPER, 4, false);
        int dst = guest.grantAccess(MAPPER, 5, false);
        GrantCopy op = new GrantCopy(src, GRANTER, 0, dst, GRANTER, 0, 64, GntCopy.SOURCE_GREF | GntCopy.DEST_GREF);
        assertEquals(Gntst.OKAY, hv.copy(MAPPER, op), "first copy (makes both active entries)");
        List<Integer> held = new ArrayList<>();
        for (int i = 0; i < BOUND - 1; i++) {
            MapResult m = hv.map(MAPPER, GRANTER, src, HOST | RO, 0);
            assertEquals(Gntst.OKAY, m.status(), "read-only host mapping " + (i + 1));
            held.add(m.handle());
        }
        long dstWord = guest.entryGpa(dst) + GrantEntryV1Layout.FLAGS_OFFSET;
        entries.watch(dstWord);
        CountDownLatch inCas = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        // the copy's accesses to the destination's word: a load, then the CAS; block right after the CAS, when the
        // source is already pinned for the copy
        entries.afterAccess(dstWord, entries.accesses(dstWord) + 2, real -> {
            inCas.countDown();
            try {
                resume.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        AtomicInteger status = new AtomicInteger(1);
        Thread copier = Thread.ofPlatform().start(() -> status.set(hv.copy(MAPPER, op)));
        try {
            assertTrue(inCas.await(10, TimeUnit.SECONDS), "the copy reached its destination's entry CAS");
            assertEquals(new PinCounts(BOUND - 1, 0, 0, 0, 1, 0), hv.pins(GRANTER, src), "pins during the copy");
            assertEquals(Gntst.GENERAL_ERROR, hv.map(MAPPER, GRANTER, src, HOST | RO, 0).status(),
                    "read-only host mapping " + BOUND + " while a copy from the entry is in flight: Xen's host read "
                            + "counter is at 0x80");
            MapResult device = hv.map(MAPPER, GRANTER, src, DEV | RO, 0);
            assertEquals(Gntst.OKAY, device.status(), "a device mapping adds to another counter");
            assertEquals(Gntst.OKAY, hv.unmap(MAPPER, device.handle()));
        } finally {
            resume.countDown();
            copier.join(10_000);
        }
        assertEquals(Gntst.OKAY, status.get(), "the held copy");
        MapResult last = hv.map(MAPPER, GRANTER, src, HOST | RO, 0);
        assertEquals(Gntst.OKAY, last.status(), "read-only host mapping " + BOUND + " once the copy is done");
        held.add(last.handle());
        for (int h : held) {
            assertEquals(Gntst.OKAY, hv.unmap(MAPPER, h));
        }
        assertEquals(PinCounts.NONE, hv.pins(GRANTER, src));
        assertEquals(RevokeResult.REVOKED, guest.endAccess(src));
        assertEquals(RevokeResult.REVOKED, guest.endAccess(dst));
        assertTrue(hv.releaseDomain(MAPPER, 1000) && hv.releaseDomain(GRANTER, 1000), "teardown");
        granterMem.close();
        mapperMem.close();
    }
}
