package io.pvkit.abi.grant;

import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GrantTableOpTest {
    @Test
    void shouldMapEveryCommandToItsElementStruct() {
        assertEquals(13, GrantTableOp.values().length);
        for (GrantTableOp op : GrantTableOp.values()) {
            assertEquals("gnttab_" + op.name().toLowerCase(Locale.ROOT), op.argLayout().name().orElseThrow());
            assertEquals(Optional.of(op), GrantTableOp.of(op.code()));
            assertEquals(op, GrantTableOp.ofOrNull(op.code()));
        }
        assertEquals(0, GrantTableOp.MAP_GRANT_REF.code());
        assertEquals(2, GrantTableOp.SETUP_TABLE.code());
        assertEquals(5, GrantTableOp.COPY.code());
        assertEquals(10, GrantTableOp.GET_VERSION.code());
        assertTrue(GrantTableOp.of(13).isEmpty());
        assertEquals(null, GrantTableOp.ofOrNull(13));
        assertEquals(null, GrantTableOp.ofOrNull(-1));
        assertEquals(null, GrantTableOp.ofOrNull(Long.MAX_VALUE));
        assertTrue(GrantTableOp.of(-1).isEmpty());
    }

    @Test
    void shouldCarryXensStatusMessages() {
        assertEquals(14, GrantStatus.values().length);
        assertEquals(0, GrantStatus.OKAY.code());
        assertEquals(-3, GrantStatus.BAD_GNTREF.code());
        assertEquals("invalid grant reference", GrantStatus.BAD_GNTREF.message());
        assertEquals(-10, GrantStatus.BAD_COPY_ARG.code());
        assertEquals("copy arguments cross page boundary", GrantStatus.BAD_COPY_ARG.message());
        assertEquals(-13, GrantStatus.NO_SPACE.code());
        assertEquals("GNTST_permission_denied (-8): permission denied", GrantStatus.describe(-8));
        assertEquals("unknown grant status -14", GrantStatus.describe(-14));
    }

    @Test
    void shouldMatchFlagBits() {
        assertEquals(0x1, GrantFlags.PERMIT_ACCESS);
        assertEquals(0x4, GrantFlags.READONLY);
        assertEquals(0x8, GrantFlags.READING);
        assertEquals(0x10, GrantFlags.WRITING);
        assertEquals(0x100, GrantFlags.SUB_PAGE);
        assertEquals(0x1, GntMap.DEVICE_MAP);
        assertEquals(0x2, GntMap.HOST_MAP);
        assertEquals(0x4, GntMap.READONLY);
        assertEquals(0x10, GntMap.CONTAINS_PTE);
        assertEquals(0xFFFF0000, GntMap.GUEST_AVAIL_MASK);
        assertEquals(1, GntCopy.SOURCE_GREF);
        assertEquals(2, GntCopy.DEST_GREF);
        assertEquals(8, GrantRefs.NR_RESERVED_ENTRIES);
        assertEquals(1, GrantRefs.RESERVED_XENSTORE);
    }
}
