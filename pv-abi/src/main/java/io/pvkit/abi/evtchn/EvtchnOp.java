package io.pvkit.abi.evtchn;

import java.lang.foreign.StructLayout;
import java.util.Optional;

/**
 * Event channel sub-ops ({@code EVTCHNOP_*} in {@code xen/event_channel.h}): the {@code cmd} of
 * {@code __HYPERVISOR_event_channel_op(cmd, arg)}, each with the layout of the structure {@code arg}
 * points at. 14 ({@code EVTCHNOP_reset_cont}) is Xen-internal and has no constant; a guest that passes
 * an unknown command gets {@code -ENOSYS}.
 */
public enum EvtchnOp {
    /** {@code EVTCHNOP_bind_interdomain} (0): connect to an unbound port of another domain. */
    BIND_INTERDOMAIN(0, EvtchnBindInterdomainLayout.LAYOUT),
    /** {@code EVTCHNOP_bind_virq} (1): bind a virtual IRQ on a vCPU. */
    BIND_VIRQ(1, EvtchnBindVirqLayout.LAYOUT),
    /** {@code EVTCHNOP_bind_pirq} (2): bind a physical IRQ. */
    BIND_PIRQ(2, EvtchnBindPirqLayout.LAYOUT),
    /** {@code EVTCHNOP_close} (3): close a port; an interdomain peer returns to unbound. */
    CLOSE(3, EvtchnCloseLayout.LAYOUT),
    /** {@code EVTCHNOP_send} (4): notify the other end (unbound: silently dropped). */
    SEND(4, EvtchnSendLayout.LAYOUT),
    /** {@code EVTCHNOP_status} (5): query a port. */
    STATUS(5, EvtchnStatusLayout.LAYOUT),
    /** {@code EVTCHNOP_alloc_unbound} (6): allocate a port that a given remote domain may bind. */
    ALLOC_UNBOUND(6, EvtchnAllocUnboundLayout.LAYOUT),
    /** {@code EVTCHNOP_bind_ipi} (7): allocate an inter-vCPU port. */
    BIND_IPI(7, EvtchnBindIpiLayout.LAYOUT),
    /** {@code EVTCHNOP_bind_vcpu} (8): change the vCPU a port notifies. */
    BIND_VCPU(8, EvtchnBindVcpuLayout.LAYOUT),
    /** {@code EVTCHNOP_unmask} (9): clear the mask and re-deliver if pending. */
    UNMASK(9, EvtchnUnmaskLayout.LAYOUT),
    /** {@code EVTCHNOP_reset} (10): close every port of a domain. */
    RESET(10, EvtchnResetLayout.LAYOUT),
    /** {@code EVTCHNOP_init_control} (11): switch to the FIFO ABI: register a vCPU control block. */
    INIT_CONTROL(11, EvtchnInitControlLayout.LAYOUT),
    /** {@code EVTCHNOP_expand_array} (12): FIFO ABI: add an event array page. */
    EXPAND_ARRAY(12, EvtchnExpandArrayLayout.LAYOUT),
    /** {@code EVTCHNOP_set_priority} (13): FIFO ABI: set a port priority. */
    SET_PRIORITY(13, EvtchnSetPriorityLayout.LAYOUT);

    private static final EvtchnOp[] BY_CODE = new EvtchnOp[14];

    static {
        for (EvtchnOp op : values()) {
            BY_CODE[op.code] = op;
        }
    }

    private final int code;
    private final StructLayout argLayout;

    EvtchnOp(int code, StructLayout argLayout) {
        this.code = code;
        this.argLayout = argLayout;
    }

    /**
     * The sub-op number.
     *
     * @return the value of {@code EVTCHNOP_<name>}
     */
    public int code() {
        return code;
    }

    /**
     * The argument structure the guest points at (for array ops: one element).
     *
     * @return the layout of the argument structure
     */
    public StructLayout argLayout() {
        return argLayout;
    }

    /**
     * Looks up a sub-op by number.
     *
     * @param code the value a guest passed (untrusted; any {@code long})
     * @return the sub-op, or empty when the command is unknown (including the internal 14)
     */
    public static Optional<EvtchnOp> of(long code) {
        if (code < 0 || code >= BY_CODE.length) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_CODE[(int) code]);
    }
}
