package io.pvkit.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.DomainSpec;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantEntryV1Layout;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.Gntst;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared-memory seam of pv-grant: a granter's entries are read and written through the
 * {@link io.pvkit.abi.memory.MemoryAccess} given to {@code addDomain}, and only through it, while views and
 * copies use the domain's {@link GuestMemory}. A counting view changes an entry after the n-th access,
 * deterministically, as a granter racing the hypervisor would.
 */
class EntrySeamTest {
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;
    private static final int GRANTER = 1;
    private static final int MAPPER = 2;

    private final GuestMemory granterMem = GuestMemory.allocate(16);
    private final GuestMemory mapperMem = GuestMemory.allocate(16);
    private final CountingMemory entries = new CountingMemory(granterMem);
    private final GrantTables hv = new GrantTables(MappingLifetime.CONFINED, 16);
    private final GuestGrantTable guest = new GuestGrantTable(granterMem, 0);
    private int ref;
    private long word;
    private long frame;

    EntrySeamTest() {
        hv.addDomain(new DomainSpec(GRANTER, granterMem, 1, false), entries, 0, 1);
        hv.addDomain(new DomainSpec(MAPPER, mapperMem, 1, false), 0, 1);
        granterMem.fill(GuestMemory.gpaOf(4), GuestMemory.PAGE_SIZE, (byte) 0x44);
        granterMem.fill(GuestMemory.gpaOf(5), GuestMemory.PAGE_SIZE, (byte) 0x55);
    }

    private void grant(boolean readOnly) {
        ref = guest.grantAccess(MAPPER, 4, readOnly);
        word = guest.entryGpa(ref) + GrantEntryV1Layout.FLAGS_OFFSET;
        frame = guest.entryGpa(ref) + GrantEntryV1Layout.FRAME_OFFSET;
        entries.watch(word).watch(frame);
    }

    @AfterEach
    void tearDown() {
        assertTrue(hv.releaseDomain(MAPPER, 100));
        assertTrue(hv.releaseDomain(GRANTER, 100));
        granterMem.close();
        mapperMem.close();
    }

    @Test
    void shouldReadTheEntryThroughTheSeamOncePerMap() {
        grant(true);
        MapResult m = hv.map(MAPPER, GRANTER, ref, GntMap.HOST_MAP | GntMap.READONLY, 0x1000);
        assertEquals(Gntst.OKAY, m.status());
        assertEquals(2, entries.accesses(word), "one load and one CAS of flags+domid");
        assertEquals(1, entries.accesses(frame), "the frame is read once");
        entries.reset();
        MapResult again = hv.map(MAPPER, GRANTER, ref, GntMap.HOST_MAP | GntMap.READONLY, 0x2000);
        assertEquals(Gntst.OKAY, again.status());
        assertEquals(0, entries.total(), "a read-only map of a pinned entry acts on the snapshot alone");
        assertEquals(Gntst.OKAY, hv.unmap(MAPPER, again.handle()));
        assertEquals(Gntst.OKAY, hv.unmap(MAPPER, m.handle()));
        assertEquals(1, entries.accesses(word), "the last unmap clears GTF_reading through the seam");
        assertEquals(0, granterMem.getIntVolatile(word) & BUSY);
    }

    @Test
    void shouldMapTheFrameReadOnceWhenTheGranterRewritesItAfterThatRead() {
        grant(true);
        entries.afterAccess(frame, 1, real -> real.setInt(frame, 5));
        MapResult m = hv.map(MAPPER, GRANTER, ref, GntMap.HOST_MAP | GntMap.READONLY, 0x1000);
        assertEquals(Gntst.OKAY, m.status());
        assertEquals(5, granterMem.getInt(frame), "the granter did rewrite the frame");
        assertEquals(0x44, m.segment().get(ValueLayout.JAVA_BYTE, 7), "the view is of the frame read once");
        assertEquals(Gntst.OKAY, hv.copy(MAPPER, new GrantCopy(ref, GRANTER, 0, 8, DomId.SELF, 0, 16,
                GntCopy.SOURCE_GREF)));
        assertEquals(0x44, mapperMem.getByte(GuestMemory.gpaOf(8) + 15), "a copy of the pinned entry uses it too");
        assertEquals(1, entries.accesses(frame), "and nothing read the frame again");
        assertEquals(Gntst.OKAY, hv.unmap(MAPPER, m.handle()));
    }

    @Test
    void shouldRefuseWhenTheGranterRegrantsAfterTheFirstReadOfTheWord() {
        grant(false);
        int other = (3 << 16) | GrantFlags.PERMIT_ACCESS;
        entries.afterAccess(word, 1, real -> real.setIntVolatile(word, other));
        MapResult m = hv.map(MAPPER, GRANTER, ref, GntMap.HOST_MAP, 0x1000);
        assertEquals(Gntst.GENERAL_ERROR, m.status(), "the CAS saw the change and the re-check refused it");
        assertEquals(other, granterMem.getIntVolatile(word), "no busy bit set on the re-granted entry");
        assertEquals(2, entries.accesses(word), "one load, one failed CAS, then the witness was checked");
    }

    @Test
    void shouldRefuseAWritableMapWhenTheGranterMakesTheGrantReadOnlyAfterTheFirstRead() {
        grant(false);
        entries.afterAccess(word, 1, real -> real.getAndBitwiseOrInt(word, GrantFlags.READONLY));
        assertEquals(Gntst.GENERAL_ERROR, hv.map(MAPPER, GRANTER, ref, GntMap.HOST_MAP, 0x1000).status());
        assertEquals(0, granterMem.getIntVolatile(word) & BUSY);
    }

    @Test
    void shouldCopyFromTheFrameReadOnceAndReleaseThroughTheSeam() {
        grant(true);
        entries.afterAccess(frame, 1, real -> real.setInt(frame, 5));
        assertEquals(Gntst.OKAY, hv.copy(MAPPER, new GrantCopy(ref, GRANTER, 0, 8, DomId.SELF, 0, 64,
                GntCopy.SOURCE_GREF)));
        assertEquals(0x44, mapperMem.getByte(GuestMemory.gpaOf(8) + 63));
        assertEquals(1, entries.accesses(frame));
        assertEquals(3, entries.accesses(word), "load, CAS, and the AND that clears GTF_reading");
        assertEquals(0, granterMem.getIntVolatile(word) & BUSY);
    }

    @Test
    void shouldSwapEntriesThroughTheSeam() {
        grant(true);
        int other = guest.grantAccess(MAPPER, 5, false);
        long otherWord = guest.entryGpa(other);
        entries.watch(otherWord);
        entries.reset();
        assertEquals(Gntst.OKAY, hv.swapGrantRef(GRANTER, ref, other));
        assertEquals(2, entries.accesses(word), "read once, written once");
        assertEquals(2, entries.accesses(otherWord));
        assertEquals(5, granterMem.getInt(frame));
    }

    @Test
    void shouldRevokeThroughTheGuestSideSeam() {
        CountingMemory guestView = new CountingMemory(granterMem);
        GuestGrantTable viaSeam = new GuestGrantTable(guestView, 0);
        int r = viaSeam.grantAccess(MAPPER, 6, true);
        long w = viaSeam.entryGpa(r);
        guestView.watch(w);
        assertEquals(RevokeResult.REVOKED, viaSeam.endAccess(r));
        assertEquals(2, guestView.accesses(w), "one load and one CAS");
        assertEquals(0, granterMem.getIntVolatile(w) & GrantFlags.TYPE_MASK);
    }

    @Test
    void shouldRefuseAnEntriesViewOfAnotherSize() {
        try (GuestMemory small = GuestMemory.allocate(8)) {
            assertThrows(IllegalArgumentException.class,
                    () -> hv.addDomain(new DomainSpec(3, granterMem, 1, false), small, 0, 1));
        }
    }
}
