package io.pvkit.abi.xenstore;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class XenstoreNumbersTest {
    @Test
    void shouldMatchXsWireNumbers() {
        assertEquals(2, XsdSockmsgType.READ.code());
        assertEquals(15, XsdSockmsgType.WATCH_EVENT.code());
        assertEquals(16, XsdSockmsgType.ERROR.code());
        assertEquals(22, XsdSockmsgType.DIRECTORY_PART.code());
        assertEquals(0xFFFF, XsdSockmsgType.INVALID.code());
        assertTrue(XsdSockmsgType.of(20).isEmpty(), "XS_RESTRICT was removed");
        assertEquals(Optional.of(XsError.ENOENT), XsError.ofName("ENOENT"));
        assertEquals(2, XsError.ENOENT.code());
        assertTrue(XsError.ofName("ENOENT\0").isEmpty());
        assertEquals(16, XsError.values().length);
    }

    @Test
    void shouldParseXenbusStates() {
        assertEquals(4, XenbusState.CONNECTED.code());
        assertEquals(2, XenbusState.INIT_WAIT.code());
        assertEquals(8, XenbusState.RECONFIGURED.code());
        assertEquals(Optional.of(XenbusState.CONNECTED), XenbusState.parse("4"));
        assertEquals(Optional.of(XenbusState.UNKNOWN), XenbusState.parse(null));
        assertTrue(XenbusState.parse("9").isEmpty());
        assertTrue(XenbusState.parse("-1").isEmpty());
        assertTrue(XenbusState.parse("").isEmpty());
        assertTrue(XenbusState.parse("4 ").isEmpty());
        assertTrue(XenbusState.parse("99999999999").isEmpty());
    }
}
