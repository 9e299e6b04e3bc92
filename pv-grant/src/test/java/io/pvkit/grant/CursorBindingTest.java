package io.pvkit.grant;

import io.pvkit.abi.grant.GntMap;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A {@link GrantCursor}'s binding as a Java API: unbind, rebinding after a failed bind, and its thread confinement. */
class CursorBindingTest {
    private static final int HOST = GntMap.HOST_MAP;

    private static Fixture checked() {
        return new Fixture(new GrantTables(MappingLifetime.CHECKED, 16));
    }

    @Test
    void unbindShouldMakeEveryAccessThrowUntilTheNextBind() {
        try (Fixture f = checked()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x42), false);
            int h = f.hv.mapHandle(2, 1, ref, HOST, 0);
            GrantCursor c = f.hv.newCursor();
            assertTrue(c.bind(2, h));
            assertTrue(c.isAlive());
            assertEquals(0x42, c.getByte(0));
            c.unbind();
            assertFalse(c.isAlive());
            assertFalse(c.isReadOnly());
            assertThrows(IllegalStateException.class, () -> c.getByte(0));
            assertThrows(IllegalStateException.class, () -> c.setByte(0, (byte) 1), "not bound: not a read-only error");
            assertEquals(0x42, f.mem[1].getByte(io.pvkit.abi.memory.GuestMemory.gpaOf(f.guest[1].query(ref).frame())));
            assertTrue(c.bind(2, h), "the mapping itself is still live");
            assertEquals(0x42, c.getByte(0));
        }
    }

    @Test
    void aFailedBindShouldLeaveTheCursorUnboundNotOnItsPreviousMapping() {
        try (Fixture f = checked()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x42), false);
            int h = f.hv.mapHandle(2, 1, ref, HOST, 0);
            int dev = f.hv.mapHandle(2, 1, ref, GntMap.DEVICE_MAP, 0);
            GrantCursor c = f.hv.newCursor();
            for (int bad : new int[] {-1, dev, h + 1000}) {
                assertTrue(c.bind(2, h));
                assertFalse(c.bind(2, bad), "handle " + bad);
                assertFalse(c.isAlive());
                assertThrows(IllegalStateException.class, () -> c.getInt(0), "handle " + bad);
            }
            assertTrue(c.bind(2, h));
            assertFalse(c.bind(9, h), "an unknown mapper");
            assertThrows(IllegalStateException.class, () -> c.getInt(0));
        }
    }

    @Test
    void everyUseFromAnotherThreadShouldThrowWrongThreadException() throws Exception {
        try (Fixture f = checked()) {
            int ref = f.guest[1].grantAccess(2, f.dataFrame(1, 0, (byte) 0x42), false);
            int h = f.hv.mapHandle(2, 1, ref, HOST, 0);
            GrantCursor c = f.hv.newCursor();
            assertTrue(c.bind(2, h));
            List<Consumer<GrantCursor>> uses = List.of(
                    GrantCursor::unbind,
                    x -> x.setInt(0, 7),
                    x -> x.getLong(8),
                    x -> x.copyTo(0, MemorySegment.ofArray(new byte[4]), 0, 4),
                    x -> x.copyFrom(MemorySegment.ofArray(new byte[4]), 0, 0, 4));
            List<Throwable> thrown = new ArrayList<>();
            Thread t = Thread.ofPlatform().start(() -> {
                for (Consumer<GrantCursor> use : uses) {
                    try {
                        use.accept(c);
                        thrown.add(null);
                    } catch (Throwable x) {
                        thrown.add(x);
                    }
                }
            });
            t.join();
            assertEquals(uses.size(), thrown.size());
            for (Throwable x : thrown) {
                assertInstanceOf(WrongThreadException.class, x);
            }
            assertTrue(c.isAlive(), "still bound: the other thread's unbind was refused");
            assertEquals(0x42, c.getByte(0), "nothing written by the other thread");
            assertEquals(0x4242_4242, c.getInt(0));
        }
    }
}
