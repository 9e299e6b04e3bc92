package io.pvkit.abi;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HypercallOpTest {
    @Test
    void shouldMatchXenHypercallNumbers() {
        assertEquals(42, HypercallOp.values().length);
        assertEquals(0, HypercallOp.SET_TRAP_TABLE.number());
        assertEquals(10, HypercallOp.UPDATE_DESCRIPTOR.number());
        assertEquals(12, HypercallOp.MEMORY_OP.number());
        assertEquals(13, HypercallOp.MULTICALL.number());
        assertEquals(17, HypercallOp.XEN_VERSION.number());
        assertEquals(18, HypercallOp.CONSOLE_IO.number());
        assertEquals(20, HypercallOp.GRANT_TABLE_OP.number());
        assertEquals(24, HypercallOp.VCPU_OP.number());
        assertEquals(29, HypercallOp.SCHED_OP.number());
        assertEquals(32, HypercallOp.EVENT_CHANNEL_OP.number());
        assertEquals(34, HypercallOp.HVM_OP.number());
        assertEquals(42, HypercallOp.HYPFS_OP.number());
        assertEquals(48, HypercallOp.ARCH_0);
        assertEquals(55, HypercallOp.ARCH_7);
        assertEquals("event_channel_op", HypercallOp.EVENT_CHANNEL_OP.cName());
    }

    @Test
    void shouldFindEveryNumberExceptTheUnusedOne() {
        for (int n = 0; n <= 42; n++) {
            Optional<HypercallOp> op = HypercallOp.of(n);
            assertEquals(n != 11, op.isPresent(), "number " + n);
            if (n != 11) {
                assertEquals(n, op.orElseThrow().number());
            }
        }
    }

    @Test
    void shouldRejectNumbersOutsideTheTable() {
        assertEquals(Optional.empty(), HypercallOp.of(-1));
        assertEquals(Optional.empty(), HypercallOp.of(43));
        assertEquals(Optional.empty(), HypercallOp.of(HypercallOp.ARCH_0));
        assertEquals(Optional.empty(), HypercallOp.of(Long.MIN_VALUE));
        assertEquals(Optional.empty(), HypercallOp.of(1L << 32));
    }
}
