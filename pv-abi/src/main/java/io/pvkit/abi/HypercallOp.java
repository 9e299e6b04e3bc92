package io.pvkit.abi;

import java.util.Optional;

/**
 * Xen hypercall numbers ({@code __HYPERVISOR_*} in {@code xen/xen.h}, interface version 0x00040e00).
 *
 * <p>Number 11 is unused and has no constant. On x86_64 the number travels in {@code rax} and up to
 * five arguments in {@code rdi, rsi, rdx, r10, r8}; pvkit's
 * {@link io.pvkit.abi.spi.HypercallHandler} receives exactly that: the number and five {@code long}s.
 * The architecture-specific range {@code __HYPERVISOR_arch_0..7} (48..55) is exposed as
 * {@link #ARCH_0}..{@link #ARCH_7} without enum constants.
 */
public enum HypercallOp {
    /** {@code __HYPERVISOR_set_trap_table} (0). */
    SET_TRAP_TABLE(0),
    /** {@code __HYPERVISOR_mmu_update} (1). */
    MMU_UPDATE(1),
    /** {@code __HYPERVISOR_set_gdt} (2). */
    SET_GDT(2),
    /** {@code __HYPERVISOR_stack_switch} (3). */
    STACK_SWITCH(3),
    /** {@code __HYPERVISOR_set_callbacks} (4). */
    SET_CALLBACKS(4),
    /** {@code __HYPERVISOR_fpu_taskswitch} (5). */
    FPU_TASKSWITCH(5),
    /** {@code __HYPERVISOR_sched_op_compat} (6): legacy. */
    SCHED_OP_COMPAT(6),
    /** {@code __HYPERVISOR_platform_op} (7). */
    PLATFORM_OP(7),
    /** {@code __HYPERVISOR_set_debugreg} (8). */
    SET_DEBUGREG(8),
    /** {@code __HYPERVISOR_get_debugreg} (9). */
    GET_DEBUGREG(9),
    /** {@code __HYPERVISOR_update_descriptor} (10). */
    UPDATE_DESCRIPTOR(10),
    /** {@code __HYPERVISOR_memory_op} (12): (unsigned long cmd, void *arg), XENMEM_*. */
    MEMORY_OP(12),
    /** {@code __HYPERVISOR_multicall} (13): (multicall_entry_t *calls, unsigned nr). */
    MULTICALL(13),
    /** {@code __HYPERVISOR_update_va_mapping} (14). */
    UPDATE_VA_MAPPING(14),
    /** {@code __HYPERVISOR_set_timer_op} (15). */
    SET_TIMER_OP(15),
    /** {@code __HYPERVISOR_event_channel_op_compat} (16): legacy; takes struct evtchn_op. */
    EVENT_CHANNEL_OP_COMPAT(16),
    /** {@code __HYPERVISOR_xen_version} (17): (int cmd, void *arg), XENVER_*. */
    XEN_VERSION(17),
    /** {@code __HYPERVISOR_console_io} (18): (int cmd, unsigned count, char *buf), CONSOLEIO_*. */
    CONSOLE_IO(18),
    /** {@code __HYPERVISOR_physdev_op_compat} (19): legacy. */
    PHYSDEV_OP_COMPAT(19),
    /** {@code __HYPERVISOR_grant_table_op} (20): (unsigned cmd, void *uops, unsigned count), GNTTABOP_*. */
    GRANT_TABLE_OP(20),
    /** {@code __HYPERVISOR_vm_assist} (21). */
    VM_ASSIST(21),
    /** {@code __HYPERVISOR_update_va_mapping_otherdomain} (22). */
    UPDATE_VA_MAPPING_OTHERDOMAIN(22),
    /** {@code __HYPERVISOR_iret} (23): x86 PV; never returns. */
    IRET(23),
    /** {@code __HYPERVISOR_vcpu_op} (24): (int cmd, unsigned vcpuid, void *arg), VCPUOP_*. */
    VCPU_OP(24),
    /** {@code __HYPERVISOR_set_segment_base} (25): x86_64 PV. */
    SET_SEGMENT_BASE(25),
    /** {@code __HYPERVISOR_mmuext_op} (26). */
    MMUEXT_OP(26),
    /** {@code __HYPERVISOR_xsm_op} (27). */
    XSM_OP(27),
    /** {@code __HYPERVISOR_nmi_op} (28). */
    NMI_OP(28),
    /** {@code __HYPERVISOR_sched_op} (29): (int cmd, void *arg), SCHEDOP_*. */
    SCHED_OP(29),
    /** {@code __HYPERVISOR_callback_op} (30). */
    CALLBACK_OP(30),
    /** {@code __HYPERVISOR_xenoprof_op} (31). */
    XENOPROF_OP(31),
    /** {@code __HYPERVISOR_event_channel_op} (32): (int cmd, void *arg), EVTCHNOP_*. */
    EVENT_CHANNEL_OP(32),
    /** {@code __HYPERVISOR_physdev_op} (33). */
    PHYSDEV_OP(33),
    /** {@code __HYPERVISOR_hvm_op} (34): (unsigned long op, void *arg), HVMOP_*. */
    HVM_OP(34),
    /** {@code __HYPERVISOR_sysctl} (35). */
    SYSCTL(35),
    /** {@code __HYPERVISOR_domctl} (36). */
    DOMCTL(36),
    /** {@code __HYPERVISOR_kexec_op} (37). */
    KEXEC_OP(37),
    /** {@code __HYPERVISOR_tmem_op} (38): removed in Xen 4.13. */
    TMEM_OP(38),
    /** {@code __HYPERVISOR_argo_op} (39). */
    ARGO_OP(39),
    /** {@code __HYPERVISOR_xenpmu_op} (40). */
    XENPMU_OP(40),
    /** {@code __HYPERVISOR_dm_op} (41). */
    DM_OP(41),
    /** {@code __HYPERVISOR_hypfs_op} (42). */
    HYPFS_OP(42);

    /** {@code __HYPERVISOR_arch_0}: first architecture-specific hypercall. */
    public static final int ARCH_0 = 48;
    /** {@code __HYPERVISOR_arch_1} (x86: {@code mca}). */
    public static final int ARCH_1 = 49;
    /** {@code __HYPERVISOR_arch_2}. */
    public static final int ARCH_2 = 50;
    /** {@code __HYPERVISOR_arch_3}. */
    public static final int ARCH_3 = 51;
    /** {@code __HYPERVISOR_arch_4}. */
    public static final int ARCH_4 = 52;
    /** {@code __HYPERVISOR_arch_5}. */
    public static final int ARCH_5 = 53;
    /** {@code __HYPERVISOR_arch_6}. */
    public static final int ARCH_6 = 54;
    /** {@code __HYPERVISOR_arch_7}: last architecture-specific hypercall. */
    public static final int ARCH_7 = 55;

    private static final HypercallOp[] BY_NUMBER = new HypercallOp[43];

    static {
        for (HypercallOp op : values()) {
            BY_NUMBER[op.number] = op;
        }
    }

    private final int number;

    HypercallOp(int number) {
        this.number = number;
    }

    /**
     * The hypercall number.
     *
     * @return the value of {@code __HYPERVISOR_<name>}
     */
    public int number() {
        return number;
    }

    /**
     * The C name without prefix, e.g. {@code "event_channel_op"}.
     *
     * @return the lower-case name used in {@code xen.h}
     */
    public String cName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Looks up a hypercall by number.
     *
     * @param number the value a guest passed (untrusted; any {@code long})
     * @return the hypercall, or empty for 11, negative numbers, numbers above 42 and the arch range
     */
    public static Optional<HypercallOp> of(long number) {
        if (number < 0 || number >= BY_NUMBER.length) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_NUMBER[(int) number]);
    }
}
