package io.pvkit.abi;

import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnSendLayout;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.hypercall.HypercallResults;
import io.pvkit.abi.memory.GuestMemory;
import io.pvkit.abi.spi.HypercallHandler;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The example of pv-abi/README.md, verbatim apart from the assertions. */
class ReadmeExampleTest {
    @Test
    void shouldRunTheReadmeExample() {
        try (GuestMemory mem = GuestMemory.allocate(16)) {
            HypercallHandler xen = (caller, op, a1, a2, a3, a4, a5) -> HypercallResults.guard(() -> {
                if (op != HypercallOp.EVENT_CHANNEL_OP.number() || a1 != EvtchnOp.SEND.code()) {
                    return XenErrno.ENOSYS.negated();
                }
                MemorySegment arg = caller.copyIn(a2, EvtchnSendLayout.LAYOUT);   // -EFAULT if a2 is bad
                int port = arg.get(ValueLayout.JAVA_INT, EvtchnSendLayout.PORT_OFFSET);
                return port == 0 ? XenErrno.EINVAL.negated() : 0;
            });
            GuestHypercalls guest = new GuestHypercalls(xen, HypercallContext.of(1, 0, false, mem),
                    GuestMemory.gpaOf(15), GuestMemory.PAGE_SIZE);
            long rc = guest.send(3);   // 0
            assertEquals(0, rc);
            assertEquals(XenErrno.EINVAL.negated(), guest.send(0));
            assertEquals(XenErrno.EFAULT.negated(), guest.call(HypercallOp.EVENT_CHANNEL_OP, EvtchnOp.SEND.code(), 1L << 40));
            assertEquals(XenErrno.ENOSYS.negated(), guest.xenVersion());
        }
    }
}
