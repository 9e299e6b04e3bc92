package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GnttabSwapGrantRefLayout} to literal offsets from Xen's {@code xen/grant_table.h} (x86_64). */
class GnttabSwapGrantRefLayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(12, GnttabSwapGrantRefLayout.SIZE);
        assertEquals("gnttab_swap_grant_ref", GnttabSwapGrantRefLayout.LAYOUT.name().orElseThrow());
        assertEquals(0, GnttabSwapGrantRefLayout.REF_A_OFFSET, "ref_a");
        assertEquals(4, GnttabSwapGrantRefLayout.REF_B_OFFSET, "ref_b");
        assertEquals(8, GnttabSwapGrantRefLayout.STATUS_OFFSET, "status");
    }
}
