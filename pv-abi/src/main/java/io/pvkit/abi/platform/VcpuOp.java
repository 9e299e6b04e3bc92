package io.pvkit.abi.platform;

/**
 * vCPU sub-ops ({@code VCPUOP_*} in {@code xen/vcpu.h}) of {@code __HYPERVISOR_vcpu_op(cmd, vcpuid, arg)}.
 */
public final class VcpuOp {
    /** {@code VCPUOP_initialise}. */
    public static final int INITIALISE = 0;
    /** {@code VCPUOP_up}. */
    public static final int UP = 1;
    /** {@code VCPUOP_down}. */
    public static final int DOWN = 2;
    /** {@code VCPUOP_is_up}. */
    public static final int IS_UP = 3;
    /** {@code VCPUOP_get_runstate_info}. */
    public static final int GET_RUNSTATE_INFO = 4;
    /** {@code VCPUOP_register_runstate_memory_area}. */
    public static final int REGISTER_RUNSTATE_MEMORY_AREA = 5;
    /** {@code VCPUOP_set_periodic_timer}. */
    public static final int SET_PERIODIC_TIMER = 6;
    /** {@code VCPUOP_stop_periodic_timer}. */
    public static final int STOP_PERIODIC_TIMER = 7;
    /** {@code VCPUOP_set_singleshot_timer}. */
    public static final int SET_SINGLESHOT_TIMER = 8;
    /** {@code VCPUOP_stop_singleshot_timer}. */
    public static final int STOP_SINGLESHOT_TIMER = 9;
    /** {@code VCPUOP_register_vcpu_info}: argument {@link VcpuRegisterVcpuInfoLayout}. */
    public static final int REGISTER_VCPU_INFO = 10;
    /** {@code VCPUOP_send_nmi}. */
    public static final int SEND_NMI = 11;
    /** {@code VCPUOP_get_physid}. */
    public static final int GET_PHYSID = 12;
    /** {@code VCPUOP_register_vcpu_time_memory_area}. */
    public static final int REGISTER_VCPU_TIME_MEMORY_AREA = 13;

    private VcpuOp() {
    }
}
