package io.pvkit.kvm;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.hypercall.HypercallContext;
import io.pvkit.abi.hypercall.HypercallResults;
import io.pvkit.abi.platform.ConsoleIoOp;
import io.pvkit.abi.platform.HvmOp;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.SchedShutdownLayout;
import io.pvkit.abi.platform.XenHvmParamLayout;
import io.pvkit.abi.platform.XenVersionOp;
import io.pvkit.abi.spi.HypercallHandler;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A small hypervisor for the KVM guest tests: console_io write (at most 4096 bytes a call), xen_version
 * (4.14), sched_op shutdown (records the reason), hvm_op set_param (records the value); everything else
 * -ENOSYS. Records every call.
 */
final class TestXen implements HypercallHandler {
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    final List<long[]> calls = new ArrayList<>();
    volatile int shutdownReason = -1;
    volatile int lastDomid = -1;
    volatile long lastHvmParam = -1;

    @Override
    public long hypercall(HypercallContext caller, long op, long a1, long a2, long a3, long a4, long a5) {
        calls.add(new long[] {op, a1, a2, a3, a4, a5});
        lastDomid = caller.domid();
        return HypercallResults.guard(() -> {
            if (op == HypercallOp.CONSOLE_IO.number() && a1 == ConsoleIoOp.WRITE) {
                if (a2 < 0 || a2 > 4096) {
                    return XenErrno.EINVAL.negated();
                }
                byte[] text = caller.readBytes(a3, a2);
                synchronized (console) {
                    console.write(text, 0, text.length);
                }
                return 0;
            }
            if (op == HypercallOp.XEN_VERSION.number() && a1 == XenVersionOp.VERSION) {
                return 4 << 16 | 14;
            }
            if (op == HypercallOp.SCHED_OP.number() && a1 == SchedOp.SHUTDOWN.code()) {
                MemorySegment arg = caller.copyIn(a2, SchedShutdownLayout.LAYOUT);
                shutdownReason = arg.get(ValueLayout.JAVA_INT, SchedShutdownLayout.REASON_OFFSET);
                return 0;
            }
            if (op == HypercallOp.HVM_OP.number() && a1 == HvmOp.SET_PARAM) {
                MemorySegment arg = caller.copyIn(a2, XenHvmParamLayout.LAYOUT);
                lastHvmParam = arg.get(ValueLayout.JAVA_LONG, XenHvmParamLayout.VALUE_OFFSET);
                return 0;
            }
            return XenErrno.ENOSYS.negated();
        });
    }

    String console() {
        synchronized (console) {
            return console.toString(StandardCharsets.US_ASCII);
        }
    }
}
