package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins {@link GrantEntryV1Layout} to {@code struct grant_entry_v1} of Xen's {@code grant_table.h}. */
class GrantEntryV1LayoutTest {
    @Test
    void shouldMatchXenAbiOffsets() {
        assertEquals(8, GrantEntryV1Layout.SIZE);
        assertEquals(0, GrantEntryV1Layout.FLAGS_OFFSET);
        assertEquals(2, GrantEntryV1Layout.DOMID_OFFSET);
        assertEquals(4, GrantEntryV1Layout.FRAME_OFFSET);
        assertEquals(512, GrantEntryV1Layout.ENTRIES_PER_FRAME);
    }
}
