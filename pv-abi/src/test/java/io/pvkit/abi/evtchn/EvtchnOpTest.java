package io.pvkit.abi.evtchn;

import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvtchnOpTest {
    @Test
    void shouldMapEveryCommandToItsArgumentStruct() {
        assertEquals(14, EvtchnOp.values().length);
        for (EvtchnOp op : EvtchnOp.values()) {
            assertEquals("evtchn_" + op.name().toLowerCase(Locale.ROOT), op.argLayout().name().orElseThrow());
            assertEquals(Optional.of(op), EvtchnOp.of(op.code()));
        }
        assertEquals(0, EvtchnOp.BIND_INTERDOMAIN.code());
        assertEquals(4, EvtchnOp.SEND.code());
        assertEquals(6, EvtchnOp.ALLOC_UNBOUND.code());
        assertEquals(9, EvtchnOp.UNMASK.code());
        assertEquals(13, EvtchnOp.SET_PRIORITY.code());
    }

    @Test
    void shouldRejectUnknownCommands() {
        assertTrue(EvtchnOp.of(14).isEmpty(), "reset_cont is Xen-internal");
        assertTrue(EvtchnOp.of(-1).isEmpty());
        assertTrue(EvtchnOp.of(1L << 32).isEmpty());
    }

    @Test
    void shouldMatchPortStatesAndVirqs() {
        assertEquals(0, EvtchnStatus.CLOSED.code());
        assertEquals(1, EvtchnStatus.UNBOUND.code());
        assertEquals(2, EvtchnStatus.INTERDOMAIN.code());
        assertEquals(3, EvtchnStatus.PIRQ.code());
        assertEquals(4, EvtchnStatus.VIRQ.code());
        assertEquals(5, EvtchnStatus.IPI.code());
        assertTrue(EvtchnStatus.of(6).isEmpty());
        assertEquals(0, Virq.TIMER.code());
        assertTrue(Virq.TIMER.perVcpu());
        assertEquals(2, Virq.CONSOLE.code());
        assertFalse(Virq.CONSOLE.perVcpu());
        assertEquals(13, Virq.XENPMU.code());
        assertTrue(Virq.of(5).isEmpty(), "5 is unused");
        assertEquals(24, Virq.NR_VIRQS);
    }
}
