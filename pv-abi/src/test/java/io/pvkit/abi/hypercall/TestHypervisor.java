package io.pvkit.abi.hypercall;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.XenErrno;
import io.pvkit.abi.evtchn.EvtchnAllocUnboundLayout;
import io.pvkit.abi.evtchn.EvtchnBindInterdomainLayout;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnSendLayout;
import io.pvkit.abi.grant.GnttabSetupTableLayout;
import io.pvkit.abi.grant.GrantStatus;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.platform.ConsoleIoOp;
import io.pvkit.abi.platform.HvmOp;
import io.pvkit.abi.platform.HvmParam;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.SchedShutdownLayout;
import io.pvkit.abi.platform.XenAddToPhysmapLayout;
import io.pvkit.abi.platform.XenHvmParamLayout;
import io.pvkit.abi.platform.XenMemOp;
import io.pvkit.abi.spi.HypercallHandler;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A small hypervisor for the hypercall SPI tests: it reads every argument only through
 * {@link HypercallContext} and {@link GuestArray}, so that hostile arguments exercise the validation.
 */
final class TestHypervisor implements HypercallHandler {
    static final long MAX_CONSOLE_WRITE = 4096;
    static final int MAX_GRANT_FRAMES = 4;
    static final long STORE_PFN = 0xFEFFFL;

    final ByteArrayOutputStream console = new ByteArrayOutputStream();
    final List<Integer> sent = new ArrayList<>();
    final List<long[]> physmap = new ArrayList<>();
    int shutdownReason = -1;
    int nextPort = 1;
    int elementsProcessed;

    @Override
    public long hypercall(HypercallContext caller, long op, long a1, long a2, long a3, long a4, long a5) {
        return HypercallResults.guard(() -> dispatch(caller, op, a1, a2, a3));
    }

    private long dispatch(HypercallContext caller, long op, long a1, long a2, long a3) {
        HypercallOp hc = HypercallOp.of(op).orElse(null);
        if (hc == null) {
            return XenErrno.ENOSYS.negated();
        }
        return switch (hc) {
            case EVENT_CHANNEL_OP -> eventChannel(caller, a1, a2);
            case GRANT_TABLE_OP -> grantTable(caller, a1, a2, a3);
            case CONSOLE_IO -> console(caller, a1, a2, a3);
            case HVM_OP -> hvm(caller, a1, a2);
            case MEMORY_OP -> memory(caller, a1, a2);
            case SCHED_OP -> sched(caller, a1, a2);
            case XEN_VERSION -> 4 << 16 | 17;
            default -> XenErrno.ENOSYS.negated();
        };
    }

    private long eventChannel(HypercallContext caller, long cmd, long arg) {
        EvtchnOp op = EvtchnOp.of(cmd).orElse(null);
        if (op == null) {
            return XenErrno.ENOSYS.negated();
        }
        // UNTRUSTED: one private copy of the argument; every check below reads the copy
        MemorySegment a = caller.copyIn(arg, op.argLayout());
        switch (op) {
            case ALLOC_UNBOUND -> {
                int dom = Short.toUnsignedInt(a.get(JAVA_SHORT, EvtchnAllocUnboundLayout.DOM_OFFSET));
                if (dom != DomId.SELF && dom != caller.domid() && !caller.privileged()) {
                    return XenErrno.EPERM.negated();
                }
                a.set(JAVA_INT, EvtchnAllocUnboundLayout.PORT_OFFSET, nextPort++);
            }
            case BIND_INTERDOMAIN -> a.set(JAVA_INT, EvtchnBindInterdomainLayout.LOCAL_PORT_OFFSET,
                    a.get(JAVA_INT, EvtchnBindInterdomainLayout.REMOTE_PORT_OFFSET) + 100);
            case SEND -> sent.add(a.get(JAVA_INT, EvtchnSendLayout.PORT_OFFSET));
            default -> {
                return XenErrno.ENOSYS.negated();
            }
        }
        caller.copyOut(arg, op.argLayout(), a);
        return 0;
    }

    private long grantTable(HypercallContext caller, long cmd, long uops, long count) {
        if (cmd != GrantTableOp.SETUP_TABLE.code()) {
            return XenErrno.ENOSYS.negated();
        }
        GuestArray array = caller.array(uops, count, GrantTableOp.SETUP_TABLE.argLayout());
        for (long i = 0; i < array.count(); i++) {
            MemorySegment e = array.copyIn(i);
            int nr = e.get(JAVA_INT, GnttabSetupTableLayout.NR_FRAMES_OFFSET);
            short status = (short) GrantStatus.OKAY.code();
            if (nr < 0 || nr > MAX_GRANT_FRAMES) {
                status = (short) GrantStatus.GENERAL_ERROR.code();
            } else {
                long list = e.get(JAVA_LONG, GnttabSetupTableLayout.FRAME_LIST_OFFSET);
                for (int f = 0; f < nr; f++) {
                    caller.writeLong(list + 8L * f, 0x100 + f);
                }
            }
            e.set(JAVA_SHORT, GnttabSetupTableLayout.STATUS_OFFSET, status);
            array.copyOut(i, e);
            elementsProcessed++;
        }
        return 0;
    }

    private long console(HypercallContext caller, long cmd, long count, long buf) {
        if (cmd != ConsoleIoOp.WRITE) {
            return XenErrno.ENOSYS.negated();
        }
        if (count < 0 || count > MAX_CONSOLE_WRITE) {
            return XenErrno.EINVAL.negated();
        }
        console.writeBytes(caller.readBytes(buf, count));
        return 0;
    }

    private long hvm(HypercallContext caller, long op, long arg) {
        if (op != HvmOp.GET_PARAM) {
            return XenErrno.ENOSYS.negated();
        }
        MemorySegment a = caller.copyIn(arg, XenHvmParamLayout.LAYOUT);
        if (a.get(JAVA_INT, XenHvmParamLayout.INDEX_OFFSET) != HvmParam.STORE_PFN) {
            return XenErrno.EINVAL.negated();
        }
        a.set(JAVA_LONG, XenHvmParamLayout.VALUE_OFFSET, STORE_PFN);
        caller.copyOut(arg, XenHvmParamLayout.LAYOUT, a);
        return 0;
    }

    private long memory(HypercallContext caller, long cmd, long arg) {
        if (cmd != XenMemOp.ADD_TO_PHYSMAP) {
            return XenErrno.ENOSYS.negated();
        }
        MemorySegment a = caller.copyIn(arg, XenAddToPhysmapLayout.LAYOUT);
        physmap.add(new long[] {a.get(JAVA_INT, XenAddToPhysmapLayout.SPACE_OFFSET),
                a.get(JAVA_LONG, XenAddToPhysmapLayout.IDX_OFFSET), a.get(JAVA_LONG, XenAddToPhysmapLayout.GPFN_OFFSET)});
        return 0;
    }

    private long sched(HypercallContext caller, long cmd, long arg) {
        if (cmd == SchedOp.YIELD.code()) {
            return 0;
        }
        if (cmd != SchedOp.SHUTDOWN.code()) {
            return XenErrno.ENOSYS.negated();
        }
        shutdownReason = caller.copyIn(arg, SchedShutdownLayout.LAYOUT).get(JAVA_INT, SchedShutdownLayout.REASON_OFFSET);
        return 0;
    }
}
