package io.pvkit.hypervisor.dom0.block;

import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnSendLayout;
import io.pvkit.abi.evtchn.EvtchnUnmaskLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.memory.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A queue's per-request hypercalls ({@code GNTTABOP_copy}, {@code EVTCHNOP_send}, {@code EVTCHNOP_unmask}) without allocating: the
 * arguments are written straight into the worker's scratch page (a frame of domain 0 that no other thread uses)
 * and the call goes through {@link GuestHypercalls#call(long, long, long, long, long, long)}. The convenience
 * wrappers ({@code grantTableOp}, {@code send}) allocate a struct, a varargs array, its copy and a slice per
 * call; at tens of thousands of calls per second per queue that garbage made young collections frequent, and
 * on a loaded 2-vCPU machine each one stalled every worker for 10 to 100 ms: the mean cost of a one-page grant
 * copy measured 17 to 22 µs while its median was 150 to 450 ns. Used by one worker thread only.
 */
final class WorkerCalls {
    private static final long GRANT_TABLE_OP = HypercallOp.GRANT_TABLE_OP.number();
    private static final long EVENT_CHANNEL_OP = HypercallOp.EVENT_CHANNEL_OP.number();
    private static final long COPY = GrantTableOp.COPY.code();
    private static final long SEND = EvtchnOp.SEND.code();
    private static final long UNMASK = EvtchnOp.UNMASK.code();

    private final GuestHypercalls hc;
    private final MemorySegment scratch;
    private final long scratchGpa;

    /**
     * @param hc the worker's hypercalls (domain 0)
     * @param dom0 domain 0's memory
     * @param scratchGfn the worker's scratch frame
     */
    WorkerCalls(GuestHypercalls hc, GuestMemory dom0, long scratchGfn) {
        this.hc = hc;
        this.scratchGpa = GuestMemory.gpaOf(scratchGfn);
        this.scratch = dom0.frame(scratchGfn);
    }

    /** The scratch page: where {@link #grantCopy} expects its elements and leaves their statuses. */
    MemorySegment scratch() {
        return scratch;
    }

    /**
     * {@code GNTTABOP_copy} of the {@code count} elements at the start of the scratch page.
     *
     * @return the hypercall's result (each element's status is in the scratch page)
     */
    long grantCopy(int count) {
        return hc.call(GRANT_TABLE_OP, COPY, scratchGpa, count, 0, 0);
    }

    /**
     * {@code EVTCHNOP_send} on a port of domain 0.
     *
     * @return 0, or a negated errno
     */
    long send(int port) {
        scratch.set(ValueLayout.JAVA_INT, EvtchnSendLayout.PORT_OFFSET, port);
        return hc.call(EVENT_CHANNEL_OP, SEND, scratchGpa, 0, 0, 0);
    }

    /**
     * {@code EVTCHNOP_unmask} on a port of domain 0: the hypervisor clears the mask and, when the port is pending,
     * raises it on its vCPU (and wakes that vCPU), so an event sent while the port was masked is not lost.
     *
     * @return 0, or a negated errno
     */
    long unmask(int port) {
        scratch.set(ValueLayout.JAVA_INT, EvtchnUnmaskLayout.PORT_OFFSET, port);
        return hc.call(EVENT_CHANNEL_OP, UNMASK, scratchGpa, 0, 0, 0);
    }
}
