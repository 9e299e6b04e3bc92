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

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The copy path that takes no global lock (an entry used before, a platform thread, nothing pending): a domain's
 * teardown waits for a copy in flight that uses its memory, and concurrent copies, maps and unmaps of one entry
 * keep its pins and busy bits exact (each takes the entry's own lock).
 */
class LockFreeCopyTest {
    private static final int GRANTER = 1;
    private static final int COPIER = 2;
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;

    /**
     * A copy is held in flight inside its entry CAS (the seam blocks there, after the busy bit is set) while both
     * domains are torn down: each {@code releaseDomain} reports "not done" until the copy has finished, since the
     * copy still reads the granter's frame and writes the copier's. Fails when teardown does not wait for lock-free
     * copies (the memory could be freed under the copy).
     */
    @Test
    void teardownWaitsForACopyInFlight() throws Exception {
        GuestMemory granterMem = GuestMemory.allocate(8);
        GuestMemory copierMem = GuestMemory.allocate(8);
        CountingMemory entries = new CountingMemory(granterMem);
        GrantTables hv = new GrantTables(MappingLifetime.CHECKED, 16);
        hv.addDomain(new DomainSpec(GRANTER, granterMem, 1, false), entries, 0, 1);
        hv.addDomain(new DomainSpec(COPIER, copierMem, 1, false), 0, 1);
        GuestGrantTable guest = new GuestGrantTable(granterMem, 0);
        granterMem.fill(GuestMemory.gpaOf(4), GuestMemory.PAGE_SIZE, (byte) 0x44);
        int ref = guest.grantAccess(COPIER, 4, true);
        long word = guest.entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
        GrantCopy op = new GrantCopy(ref, GRANTER, 0, 5, DomId.SELF, 0, GuestMemory.PAGE_SIZE, GntCopy.SOURCE_GREF);
        entries.watch(word);
        assertEquals(Gntst.OKAY, hv.copy(COPIER, op), "first copy (makes the active entry)");

        CountDownLatch inCas = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        // the next copy's accesses to the word: a load, then the CAS; block right after the CAS
        entries.afterAccess(word, entries.accesses(word) + 2, real -> {
            inCas.countDown();
            await(resume);
        });
        AtomicInteger status = new AtomicInteger(1);
        Thread copier = Thread.ofPlatform().start(() -> status.set(hv.copy(COPIER, op)));
        try {
            assertTrue(inCas.await(10, TimeUnit.SECONDS), "the copy reached its entry CAS");
            assertEquals(GrantFlags.READING, guest.query(ref).flags() & BUSY, "the copy holds GTF_reading");
            assertFalse(hv.releaseDomain(COPIER, 100), "the copier's memory is still written by the copy");
            assertFalse(hv.releaseDomain(GRANTER, 100), "the granter's memory is still read by the copy");
            assertTrue(hv.hasDomain(COPIER) && hv.hasDomain(GRANTER), "both domains kept");
        } finally {
            resume.countDown();
            copier.join(10_000);
        }
        assertEquals(Gntst.OKAY, status.get(), "a copy that started before the teardown completes");
        assertEquals((byte) 0x44, copierMem.getByte(GuestMemory.gpaOf(5) + 4095), "the copy wrote the page");
        assertEquals(0, guest.query(ref).flags() & BUSY, "the copy released the entry");
        assertTrue(hv.releaseDomain(COPIER, 100), "copier released once the copy is done");
        assertTrue(hv.releaseDomain(GRANTER, 100), "granter released once the copy is done");
        assertEquals(Gntst.GENERAL_ERROR, hv.copy(COPIER, op), "a dead caller copies nothing");
        granterMem.close();
        copierMem.close();
    }

    /**
     * A lock-free copy of an entry runs while a map of the same entry is between its entry CAS (GTF_reading set)
     * and its pin: the copy must wait for the map (the entry's lock), else its release sees no pin and clears
     * GTF_reading under the new mapping, and the granter could revoke and reuse a mapped page.
     */
    @Test
    void copyWaitsForAMapBetweenItsEntryCasAndItsPin() throws Exception {
        GuestMemory granterMem = GuestMemory.allocate(8);
        GuestMemory copierMem = GuestMemory.allocate(8);
        CountingMemory entries = new CountingMemory(granterMem);
        GrantTables hv = new GrantTables(MappingLifetime.CHECKED, 16);
        hv.addDomain(new DomainSpec(GRANTER, granterMem, 1, false), entries, 0, 1);
        hv.addDomain(new DomainSpec(COPIER, copierMem, 1, false), 0, 1);
        GuestGrantTable guest = new GuestGrantTable(granterMem, 0);
        int ref = guest.grantAccess(COPIER, 4, true);
        long word = guest.entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
        GrantCopy op = new GrantCopy(ref, GRANTER, 0, 5, DomId.SELF, 0, 64, GntCopy.SOURCE_GREF);
        entries.watch(word);
        assertEquals(Gntst.OKAY, hv.copy(COPIER, op), "first copy (makes the active entry)");
        AtomicInteger copyStatus = new AtomicInteger(1);
        Thread[] copier = new Thread[1];
        // the map's accesses to the word: a load, then the CAS; right after the CAS, a copy runs on another thread
        entries.afterAccess(word, entries.accesses(word) + 2, real -> {
            copier[0] = Thread.ofPlatform().start(() -> copyStatus.set(hv.copy(COPIER, op)));
            try {
                copier[0].join(300); // done within 300 ms only when nothing holds it back
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        MapResult m = hv.map(COPIER, GRANTER, ref, GntMap.DEVICE_MAP | GntMap.READONLY, 0);
        assertEquals(Gntst.OKAY, m.status(), "map");
        copier[0].join(10_000);
        assertEquals(Gntst.OKAY, copyStatus.get(), "the copy");
        assertEquals(GrantFlags.READING, guest.query(ref).flags() & BUSY, "GTF_reading set while the map is live");
        assertEquals(RevokeResult.STILL_IN_USE, guest.endAccess(ref), "a mapped grant is not revocable");
        assertEquals(Gntst.OKAY, hv.unmap(COPIER, m.handle()));
        assertEquals(RevokeResult.REVOKED, guest.endAccess(ref), "revocable after unmap");
        assertTrue(hv.releaseDomain(COPIER, 100));
        assertTrue(hv.releaseDomain(GRANTER, 100));
        granterMem.close();
        copierMem.close();
    }

    /**
     * Two threads copy out of one entry, and a third maps and unmaps it (device and host, read-only and writable),
     * all at once: while a mapping is live its busy bits stay set, and afterwards the entry has no pin and no busy
     * bit, and the granter can revoke it. A map and a copy deciding "first pin" or "last release" of the same entry
     * without a common lock clear a busy bit under a live mapping, or leave one behind.
     */
    @Test
    void concurrentCopiesAndMapsOfOneEntryKeepItsPinsExact() throws Exception {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 64))) {
            long frame = f.dataFrame(GRANTER, 0, (byte) 0x5A);
            int ref = f.guest[GRANTER].grantAccess(COPIER, frame, false);
            long local = f.dataFrame(COPIER, 1, (byte) 0);
            long local2 = f.dataFrame(COPIER, 2, (byte) 0);
            int rounds = 3000;
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch start = new CountDownLatch(1);
            Runnable reader = () -> run(failure, start, () -> {
                for (int i = 0; i < rounds; i++) {
                    int st = f.hv.copy(COPIER, new GrantCopy(ref, GRANTER, 0, local, DomId.SELF, 0, 512,
                            GntCopy.SOURCE_GREF));
                    assertEquals(Gntst.OKAY, st, "copy out " + i);
                }
            });
            Runnable writer = () -> run(failure, start, () -> {
                for (int i = 0; i < rounds; i++) {
                    int st = f.hv.copy(COPIER, new GrantCopy(local2, DomId.SELF, 0, ref, GRANTER, 1024, 512,
                            GntCopy.DEST_GREF));
                    assertEquals(Gntst.OKAY, st, "copy in " + i);
                }
            });
            Runnable mapper = () -> run(failure, start, () -> {
                for (int i = 0; i < rounds; i++) {
                    int flags = (i % 2 == 0 ? GntMap.DEVICE_MAP : GntMap.HOST_MAP) | (i % 3 == 0 ? GntMap.READONLY : 0);
                    MapResult m = f.hv.map(COPIER, GRANTER, ref, flags, 0);
                    assertEquals(Gntst.OKAY, m.status(), "map " + i);
                    int want = GrantFlags.READING | ((flags & GntMap.READONLY) == 0 ? GrantFlags.WRITING : 0);
                    assertEquals(want, f.flags(GRANTER, ref) & want, "busy bits while mapped, map " + i);
                    assertEquals(Gntst.OKAY, f.hv.unmap(COPIER, m.handle()), "unmap " + i);
                }
            });
            // one copy first, so that the copies above find the active entry and take the lock-free path
            assertEquals(Gntst.OKAY, f.hv.copy(COPIER, new GrantCopy(ref, GRANTER, 0, local, DomId.SELF, 0, 8,
                    GntCopy.SOURCE_GREF)));
            Thread[] threads = {Thread.ofPlatform().start(reader), Thread.ofPlatform().start(writer),
                Thread.ofPlatform().start(mapper)};
            start.countDown();
            for (Thread t : threads) {
                t.join(60_000);
            }
            if (failure.get() != null) {
                throw new AssertionError("a worker failed", failure.get());
            }
            assertEquals(PinCounts.NONE, f.hv.pins(GRANTER, ref), "no pin left");
            assertEquals(0, f.flags(GRANTER, ref) & BUSY, "no busy bit left");
            assertEquals(RevokeResult.REVOKED, f.guest[GRANTER].endAccess(ref), "revocable");
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void run(AtomicReference<Throwable> failure, CountDownLatch start, Body body) {
        try {
            await(start);
            body.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
