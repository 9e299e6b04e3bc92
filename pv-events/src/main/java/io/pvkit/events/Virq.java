package io.pvkit.events;

/**
 * Virtual IRQ numbers ({@code VIRQ_*} in Xen {@code xen.h}) and whether each is per-vCPU or global.
 *
 * <p>Per-vCPU VIRQs ({@link #TIMER}, {@link #DEBUG}, {@link #XENOPROF}, {@link #XENPMU}) can be bound
 * once on each vCPU and that binding is fixed; every other VIRQ below {@link #NR_VIRQS} is global: it
 * must be bound on vCPU 0 and may then be moved with {@code EVTCHNOP_bind_vcpu}.
 */
public final class Virq {
    /** {@code VIRQ_TIMER} (per-vCPU). */
    public static final int TIMER = 0;
    /** {@code VIRQ_DEBUG} (per-vCPU). */
    public static final int DEBUG = 1;
    /** {@code VIRQ_CONSOLE} (global). */
    public static final int CONSOLE = 2;
    /** {@code VIRQ_DOM_EXC} (global). */
    public static final int DOM_EXC = 3;
    /** {@code VIRQ_TBUF} (global). */
    public static final int TBUF = 4;
    /** {@code VIRQ_DEBUGGER} (global). */
    public static final int DEBUGGER = 6;
    /** {@code VIRQ_XENOPROF} (per-vCPU). */
    public static final int XENOPROF = 7;
    /** {@code VIRQ_CON_RING} (global). */
    public static final int CON_RING = 8;
    /** {@code VIRQ_PCPU_STATE} (global). */
    public static final int PCPU_STATE = 9;
    /** {@code VIRQ_MEM_EVENT} (global). */
    public static final int MEM_EVENT = 10;
    /** {@code VIRQ_ARGO} (global). */
    public static final int ARGO = 11;
    /** {@code VIRQ_ENOMEM} (global). */
    public static final int ENOMEM = 12;
    /** {@code VIRQ_XENPMU} (per-vCPU). */
    public static final int XENPMU = 13;
    /** {@code VIRQ_ARCH_0}; {@code VIRQ_ARCH_0..7} are 16..23 (global on x86). */
    public static final int ARCH_0 = 16;
    /** {@code NR_VIRQS}: VIRQ numbers are below this. */
    public static final int NR_VIRQS = 24;

    private Virq() {
    }

    /**
     * Xen's {@code virq_is_global}.
     *
     * @param virq a VIRQ number in {@code [0, NR_VIRQS)}
     * @return false for the per-vCPU VIRQs, true otherwise
     */
    public static boolean isGlobal(int virq) {
        return switch (virq) {
            case TIMER, DEBUG, XENOPROF, XENPMU -> false;
            default -> true;
        };
    }
}
