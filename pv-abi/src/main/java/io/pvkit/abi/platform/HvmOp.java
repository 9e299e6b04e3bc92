package io.pvkit.abi.platform;

/**
 * HVM sub-ops ({@code HVMOP_*} in {@code xen/hvm/hvm_op.h}): the {@code op} of {@code __HYPERVISOR_hvm_op(op, arg)}.
 */
public final class HvmOp {
    /** {@code HVMOP_set_param}: argument {@link XenHvmParamLayout}. */
    public static final int SET_PARAM = 0;
    /** {@code HVMOP_get_param}: argument {@link XenHvmParamLayout}. */
    public static final int GET_PARAM = 1;
    /** {@code HVMOP_set_evtchn_upcall_vector}. */
    public static final int SET_EVTCHN_UPCALL_VECTOR = 23;

    private HvmOp() {
    }
}
