package io.pvkit.abi.hypercall;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link MulticallEntryLayout} to literal offsets from Xen's {@code xen/xen.h} (x86_64). */
class MulticallEntryLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(64, MulticallEntryLayout.SIZE);
        assertEquals("multicall_entry", MulticallEntryLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, MulticallEntryLayout.OP_OFFSET, "op");
        assertEquals(8, MulticallEntryLayout.RESULT_OFFSET, "result");
        assertEquals(16, MulticallEntryLayout.ARGS_OFFSET, "args");
    }
}
