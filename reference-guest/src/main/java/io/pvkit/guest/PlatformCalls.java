package io.pvkit.guest;

import io.pvkit.abi.DomId;
import io.pvkit.abi.HypercallOp;
import io.pvkit.abi.evtchn.EvtchnOp;
import io.pvkit.abi.evtchn.EvtchnStatusLayout;
import io.pvkit.abi.grant.GnttabQuerySizeLayout;
import io.pvkit.abi.grant.GrantTableOp;
import io.pvkit.abi.hypercall.GuestHypercalls;
import io.pvkit.abi.platform.HvmOp;
import io.pvkit.abi.platform.SchedOp;
import io.pvkit.abi.platform.XenHvmParamLayout;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The guest-side wrappers pv-abi's {@link GuestHypercalls} does not have yet ({@code SCHEDOP_block},
 * {@code HVMOP_set_param}, {@code GNTTABOP_query_size}, {@code EVTCHNOP_status}), marshalled the same
 * way through its scratch area. Candidates to move into {@link GuestHypercalls}.
 */
final class PlatformCalls {
    private final GuestHypercalls hc;

    PlatformCalls(GuestHypercalls hc) {
        this.hc = hc;
    }

    GuestHypercalls hypercalls() {
        return hc;
    }

    /** {@code SCHEDOP_block}: returns when an event is pending for the vCPU (or the domain is halted). */
    long block() {
        return hc.call(HypercallOp.SCHED_OP, SchedOp.BLOCK.code(), 0);
    }

    /** {@code HVMOP_set_param} for this domain. */
    long setHvmParam(int index, long value) {
        MemorySegment a = struct(XenHvmParamLayout.LAYOUT);
        a.set(ValueLayout.JAVA_SHORT, XenHvmParamLayout.DOMID_OFFSET, (short) DomId.SELF);
        a.set(ValueLayout.JAVA_INT, XenHvmParamLayout.INDEX_OFFSET, index);
        a.set(ValueLayout.JAVA_LONG, XenHvmParamLayout.VALUE_OFFSET, value);
        return hc.callWithArg(HypercallOp.HVM_OP, HvmOp.SET_PARAM, XenHvmParamLayout.LAYOUT, a);
    }

    /**
     * {@code GNTTABOP_query_size} for this domain.
     *
     * @return {@code {result, status, nr_frames, max_nr_frames}} (the last three meaningful when result is 0)
     */
    long[] querySize() {
        MemorySegment a = struct(GnttabQuerySizeLayout.LAYOUT);
        a.set(ValueLayout.JAVA_SHORT, GnttabQuerySizeLayout.DOM_OFFSET, (short) DomId.SELF);
        long rc = hc.grantTableOp(GrantTableOp.QUERY_SIZE, a);
        return new long[] {rc, a.get(ValueLayout.JAVA_SHORT, GnttabQuerySizeLayout.STATUS_OFFSET),
                Integer.toUnsignedLong(a.get(ValueLayout.JAVA_INT, GnttabQuerySizeLayout.NR_FRAMES_OFFSET)),
                Integer.toUnsignedLong(a.get(ValueLayout.JAVA_INT, GnttabQuerySizeLayout.MAX_NR_FRAMES_OFFSET))};
    }

    /**
     * {@code EVTCHNOP_status} of one of this domain's ports.
     *
     * @return the {@code EVTCHNSTAT_*} value, or a negated errno
     */
    long portStatus(int port) {
        MemorySegment a = struct(EvtchnStatusLayout.LAYOUT);
        a.set(ValueLayout.JAVA_SHORT, EvtchnStatusLayout.DOM_OFFSET, (short) DomId.SELF);
        a.set(ValueLayout.JAVA_INT, EvtchnStatusLayout.PORT_OFFSET, port);
        long rc = hc.eventChannelOp(EvtchnOp.STATUS, a);
        return rc < 0 ? rc : Integer.toUnsignedLong(a.get(ValueLayout.JAVA_INT, EvtchnStatusLayout.STATUS_OFFSET));
    }

    private static MemorySegment struct(MemoryLayout layout) {
        return MemorySegment.ofArray(new long[(int) ((layout.byteSize() + 7) / 8)]).asSlice(0, layout.byteSize());
    }
}
