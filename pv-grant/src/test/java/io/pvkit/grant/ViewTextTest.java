package io.pvkit.grant;

import io.pvkit.abi.grant.GntMap;
import io.pvkit.grant.internal.Gntst;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The diagnostic text of views and cursors: the frame, read-only, and the guard's epoch, revocation and accesses. */
class ViewTextTest {
    @Test
    void shouldDescribeTheFrameTheGuardsEpochAndItsRevocation() {
        // maptrack limit 1: the second mapping reuses the first one's slot, and so its guard
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 1))) {
            long gfn = f.dataFrame(1, 2, (byte) 1);
            int ref = f.guest[1].grantAccess(2, gfn, true);
            MapResult m = f.hv.map(2, 1, ref, GntMap.HOST_MAP | GntMap.READONLY, 0);
            GrantView v = m.view();
            assertEquals("CheckedView[frame " + gfn + ", read-only, ViewGuard[epoch 1, in flight 0]]", v.toString());
            GrantCursor c = f.hv.newCursor();
            assertEquals("CheckedCursor[frame 0, ViewGuard[epoch 0, revoked, in flight 0]]", c.toString(),
                    "an unbound cursor checks the dead guard");
            assertTrue(c.bind(2, m.handle()));
            assertEquals("CheckedCursor[frame " + gfn + ", read-only, ViewGuard[epoch 1, in flight 0]]", c.toString());
            assertEquals(Gntst.OKAY, f.hv.unmap(2, m.handle()));
            assertEquals("CheckedView[frame " + gfn + ", read-only, ViewGuard[epoch 1, revoked, in flight 0]]",
                    v.toString());

            int rw = f.guest[1].grantAccess(2, gfn, false);
            MapResult again = f.hv.map(2, 1, rw, GntMap.HOST_MAP, 0);
            assertEquals("CheckedView[frame " + gfn + ", ViewGuard[epoch 2, in flight 0]]", again.view().toString(),
                    "the slot's next mapping: the next epoch, writable");
        }
    }

    @Test
    void shouldCountTheAccessesInFlight() throws Exception {
        try (Fixture f = new Fixture(new GrantTables(MappingLifetime.CHECKED, 16))) {
            long gfn = f.dataFrame(1, 0, (byte) 1);
            int ref = f.guest[1].grantAccess(2, gfn, false);
            GrantView v = f.hv.map(2, 1, ref, GntMap.HOST_MAP, 0).view();
            AtomicReference<String> during = new AtomicReference<>();
            v.writeTo(new WritableByteChannel() {
                @Override
                public int write(ByteBuffer src) {
                    during.set(v.toString());
                    int n = src.remaining();
                    src.position(src.limit());
                    return n;
                }

                @Override
                public boolean isOpen() {
                    return true;
                }

                @Override
                public void close() {
                }
            }, 0, 8);
            assertEquals("CheckedView[frame " + gfn + ", ViewGuard[epoch 1, in flight 1]]", during.get());
            assertEquals("CheckedView[frame " + gfn + ", ViewGuard[epoch 1, in flight 0]]", v.toString());
        }
    }
}
