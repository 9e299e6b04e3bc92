package io.pvkit.grant;

import io.pvkit.abi.DomId;
import io.pvkit.abi.grant.GntCopy;
import io.pvkit.abi.grant.GntMap;
import io.pvkit.abi.grant.GrantFlags;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.grant.internal.Gntst;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Copies that take the locked path instead of the lock-free one: while a deferred release is pending, on a virtual
 * thread (no announcement slot), at the first use of an entry (here reference 0). Each answers what the fast path
 * would, in Xen's order (a zero length first, then the offsets), and leaves no pin behind.
 */
class LockedCopyPathTest {
    private static final int BUSY = GrantFlags.READING | GrantFlags.WRITING;

    /** Leaves a CONFINED mapping of this thread unmapped by another thread: its release stays pending. */
    private static void leavePendingRelease(Fixture f) throws InterruptedException {
        int ref = f.guest[1].grantAccess(0, f.dataFrame(1, 7, (byte) 9), false);
        MapResult m = f.hv.map(0, 1, ref, GntMap.HOST_MAP, 0, MappingLifetime.CONFINED);
        assertTrue(m.ok());
        AtomicReference<Integer> st = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> st.set(f.hv.unmap(0, m.handle())));
        t.join();
        assertEquals(Gntst.OKAY, st.get());
        assertEquals(1, f.hv.pins(1, ref).hostWrite(), "pending: the owner (this thread) has not ended the segment");
    }

    /** Runs {@code copies} on another platform thread (not the pending mapping's owner) and answers their statuses. */
    private static List<Integer> onOtherThread(Fixture f, List<GrantCopy> copies) throws InterruptedException {
        List<Integer> out = new ArrayList<>();
        Thread t = Thread.ofPlatform().start(() -> {
            for (GrantCopy c : copies) {
                out.add(f.hv.copy(2, c));
            }
        });
        t.join();
        return out;
    }

    @Test
    void withAReleasePendingACopyShouldStillAnswerZeroLengthFirstAndThenCheckOffsets() throws Exception {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x61), true);
            long local = Fixture.TABLE_FRAMES + 2;
            // the entry used once before, so the fast path would take it
            assertEquals(Gntst.OKAY, f.hv.copy(2, new GrantCopy(ref, 1, 0, local, DomId.SELF, 0, 1, GntCopy.SOURCE_GREF)));
            leavePendingRelease(f);
            List<Integer> st = onOtherThread(f, List.of(
                    new GrantCopy(ref, 1, 5000, local, DomId.SELF, 0, 0, GntCopy.SOURCE_GREF),
                    new GrantCopy(ref, 1, 5000, local, DomId.SELF, 0, 8, GntCopy.SOURCE_GREF),
                    new GrantCopy(ref, 1, 0, local, DomId.SELF, 4090, 8, GntCopy.SOURCE_GREF),
                    new GrantCopy(ref, 1, 0, local, DomId.SELF, 0, 8, GntCopy.SOURCE_GREF)));
            assertEquals(List.of(Gntst.OKAY, Gntst.BAD_COPY_ARG, Gntst.BAD_COPY_ARG, Gntst.OKAY), st);
            assertEquals(0x61, f.mem[2].getByte(GuestMemory.gpaOf(local) + 7), "the last one copied");
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref));
            assertEquals(0, f.flags(1, ref) & BUSY);
            assertEquals(1, f.hv.reap(), "this thread, the owner, ends the pending segment");
        }
    }

    @Test
    void aVirtualThreadsCopyShouldSucceedWithoutAnAnnouncementSlot() throws Exception {
        try (Fixture f = new Fixture()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x62), true);
            long local = Fixture.TABLE_FRAMES + 2;
            GrantCopy c = new GrantCopy(ref, 1, 0, local, DomId.SELF, 0, 16, GntCopy.SOURCE_GREF);
            assertEquals(Gntst.OKAY, f.hv.copy(2, c), "the first use, on this thread");
            f.mem[2].fill(GuestMemory.gpaOf(local), 16, (byte) 0);
            AtomicReference<Integer> st = new AtomicReference<>();
            Thread v = Thread.ofVirtual().start(() -> st.set(f.hv.copy(2, c)));
            v.join();
            assertEquals(Gntst.OKAY, st.get());
            assertEquals(0x62, f.mem[2].getByte(GuestMemory.gpaOf(local) + 15));
            assertEquals(PinCounts.NONE, f.hv.pins(1, ref));
        }
    }

    @Test
    void aCopyFromReferenceZeroShouldDropItsPinAndBusyBit() {
        try (Fixture f = new Fixture()) {
            long gfn = f.dataFrame(1, 0, (byte) 0x63);
            f.guest[1].grantReserved(0, 2, gfn, true);
            f.guest[1].grantReserved(1, 2, gfn, false);
            long local = Fixture.TABLE_FRAMES + 2;
            for (int i = 0; i < 2; i++) {
                assertEquals(Gntst.OKAY, f.hv.copy(2, new GrantCopy(0, 1, 0, local, DomId.SELF, 0, 8, GntCopy.SOURCE_GREF)));
                assertEquals(Gntst.OKAY, f.hv.copy(2, new GrantCopy(local, DomId.SELF, 0, 1, 1, 8, 8, GntCopy.DEST_GREF)));
                assertEquals(PinCounts.NONE, f.hv.pins(1, 0), "use " + i);
                assertEquals(PinCounts.NONE, f.hv.pins(1, 1), "use " + i);
                assertEquals(GrantFlags.PERMIT_ACCESS | GrantFlags.READONLY, f.flags(1, 0), "use " + i);
                assertEquals(GrantFlags.PERMIT_ACCESS, f.flags(1, 1), "use " + i);
            }
            assertEquals(0x63, f.mem[2].getByte(GuestMemory.gpaOf(local) + 7));
        }
    }
}
