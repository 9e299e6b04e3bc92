package io.pvkit.rings;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Over a {@link MemoryAccess} that is not a {@link GuestMemory}, rings copy slots and stream bytes with the
 * seam's segment copies ({@code copyOut}/{@code copyIn}), one call per slot or chunk, never through a
 * {@code byte[]} of their own.
 */
class RingMemorySeamTest {

    private static MemoryAccess recording(GuestMemory real, List<String> calls) {
        return (MemoryAccess) Proxy.newProxyInstance(MemoryAccess.class.getClassLoader(), new Class<?>[] {MemoryAccess.class},
                (proxy, method, args) -> {
                    calls.add(method.getName());
                    // everything, copyOut/copyIn included, goes to the real memory (GuestMemory's own copies)
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void shouldCopySlotsWithTheSeamsSegmentCopies() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            GuestMemory real = GuestMemory.wrap(page);
            RingType type = new RingType("seam", 64, 16, 8, new RingIdField(0, 8), new RingIdField(0, 8));
            SharedFrontRing front = SharedFrontRing.initialise(real, type);
            List<String> calls = new ArrayList<>();
            SharedBackRing back = SharedBackRing.attach(recording(real, calls), type);
            MemorySegment request = arena.allocate(64);
            request.set(ValueLayout.JAVA_LONG, 8, 0x1234_5678L);
            front.putRequest(request);
            front.pushRequests();
            List<Long> seen = new ArrayList<>();
            back.pollRequests(r -> {
                seen.add(r.get(ValueLayout.JAVA_LONG, 8));
                back.putResponse(arena.allocate(16));
            }, 8);
            back.pushResponses();
            assertEquals(List.of(0x1234_5678L), seen);
            assertEquals(1, calls.stream().filter("copyOut"::equals).count(), calls::toString);
            assertEquals(1, calls.stream().filter("copyIn"::equals).count(), calls::toString);
            assertFalse(calls.contains("read"), "a slot copied through a byte[] read: " + calls);
            assertFalse(calls.contains("write"), "a response copied through a byte[] write: " + calls);
            assertEquals(1, front.pollResponses((id, r) -> { }, 8));
        }
    }

    @Test
    void shouldStreamBytesWithTheSeamsSegmentCopies() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            List<String> calls = new ArrayList<>();
            MemoryAccess view = recording(GuestMemory.wrap(page), calls);
            ByteStreamLayout layout = ByteStreamLayout.XENSTORE_REQUEST;
            page.set(ValueLayout.JAVA_INT, layout.consOffset(), 1000);
            page.set(ValueLayout.JAVA_INT, layout.prodOffset(), 1000);
            ByteStreamWriter writer = ByteStreamWriter.attach(view, layout);
            ByteStreamReader reader = ByteStreamReader.attach(view, layout);
            byte[] bytes = new byte[100];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i * 3 + 1);
            }
            calls.clear();
            assertEquals(100, writer.write(MemorySegment.ofArray(bytes), 0, 100));   // 24 + 76 across the end
            byte[] got = new byte[100];
            assertEquals(100, reader.read(MemorySegment.ofArray(got), 0, 100));
            assertArrayEquals(bytes, got);
            assertEquals(2, calls.stream().filter("copyIn"::equals).count(), calls::toString);
            assertEquals(2, calls.stream().filter("copyOut"::equals).count(), calls::toString);
            assertTrue(!calls.contains("read") && !calls.contains("write"), calls::toString);
        }
    }
}
