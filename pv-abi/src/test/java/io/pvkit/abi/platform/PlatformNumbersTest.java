package io.pvkit.abi.platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlatformNumbersTest {
    @Test
    void shouldMatchXenSubOpNumbers() {
        assertEquals(2, SchedOp.SHUTDOWN.code());
        assertEquals("sched_shutdown", SchedOp.SHUTDOWN.argLayout().orElseThrow().name().orElseThrow());
        assertEquals("sched_poll", SchedOp.POLL.argLayout().orElseThrow().name().orElseThrow());
        assertTrue(SchedOp.YIELD.argLayout().isEmpty());
        assertTrue(SchedOp.of(8).isEmpty());
        assertEquals(3, ShutdownReason.CRASH.code());
        assertEquals(1, PhysMapSpace.GRANT_TABLE.code());
        assertEquals(0x80000000L, PhysMapSpace.IDX_GRANT_TABLE_STATUS);
        assertEquals(7, XenMemOp.ADD_TO_PHYSMAP);
        assertEquals(1, HvmOp.GET_PARAM);
        assertEquals(17, HvmParam.CONSOLE_PFN);
        assertEquals(2, HvmParam.STORE_EVTCHN);
        assertEquals(1, ConsoleIoOp.READ);
        assertEquals(0, XenVersionOp.VERSION);
        assertEquals(10, VcpuOp.REGISTER_VCPU_INFO);
    }
}
