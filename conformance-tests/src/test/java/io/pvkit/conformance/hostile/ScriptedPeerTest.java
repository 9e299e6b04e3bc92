package io.pvkit.conformance.hostile;

import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.memory.MemoryAccess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pvkit.abi.ring.SharedRingLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScriptedPeerTest {

    /** A frontend that publishes a producer index beyond the ring, then moves it backwards. */
    static final class OverflowingFrontend extends ScriptedPeer {
        OverflowingFrontend(MemoryAccess page, int ringSize) {
            super("overflowing frontend", page);
            step("req_prod = size + 1", p -> publishIndex(SharedRingLayout.LAYOUT, 0, "req_prod", ringSize + 1));
            step("req_prod = 0xFFFFFFFF", p -> setField(SharedRingLayout.LAYOUT, 0, "req_prod", 0xFFFF_FFFFL));
            step("req_event = 0x80000000, garbage in slot 0", p -> {
                setField(SharedRingLayout.LAYOUT, 0, "req_event", 0x8000_0000L);
                setBytes(SharedRingLayout.HEADER_SIZE, new byte[] {(byte) 0xDE, (byte) 0xAD});
            });
        }

        void writeWholePvt() {
            setField(SharedRingLayout.LAYOUT, 0, "pvt", 1);
        }
    }

    @Test
    void shouldRunScriptedRawWritesStepByStepThroughTheLayout() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            OverflowingFrontend peer = new OverflowingFrontend(GuestMemory.wrap(page), 32);
            assertEquals(3, peer.remaining());
            assertTrue(peer.runNext());
            assertEquals(33, page.get(ValueLayout.JAVA_INT, SharedRingLayout.REQ_PROD_OFFSET));
            assertTrue(peer.runNext());
            assertEquals(0xFFFF_FFFF, page.get(ValueLayout.JAVA_INT, SharedRingLayout.REQ_PROD_OFFSET));
            peer.runAll();
            assertEquals(0x8000_0000, page.get(ValueLayout.JAVA_INT, SharedRingLayout.REQ_EVENT_OFFSET));
            assertEquals((byte) 0xDE, page.get(ValueLayout.JAVA_BYTE, SharedRingLayout.HEADER_SIZE));
            assertFalse(peer.runNext());
            assertEquals(List.of("req_prod = size + 1", "req_prod = 0xFFFFFFFF", "req_event = 0x80000000, garbage in slot 0"),
                    peer.executed());
            assertTrue(peer.transcript().startsWith("overflowing frontend ran 3 of 3 steps:\n  1. req_prod = size + 1"),
                    peer.transcript());
            assertThrows(IllegalArgumentException.class, peer::writeWholePvt, "pvt is 4 bytes of a sequence");
        }
    }
}
