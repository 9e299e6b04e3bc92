package io.pvkit.abi.evtchn;

import java.util.Optional;

/**
 * Virtual IRQs ({@code VIRQ_*} in {@code xen/xen.h}) a domain can bind with
 * {@code EVTCHNOP_bind_virq}. Per-vCPU VIRQs are bound once per vCPU and cannot be moved with
 * {@code EVTCHNOP_bind_vcpu}; global VIRQs are bound on vCPU 0.
 */
public enum Virq {
    /** {@code VIRQ_TIMER} (0): per-vCPU timer tick. */
    TIMER(0, true),
    /** {@code VIRQ_DEBUG} (1): request guest to dump debug info (per-vCPU). */
    DEBUG(1, true),
    /** {@code VIRQ_CONSOLE} (2): bytes received on the emergency console (global). */
    CONSOLE(2, false),
    /** {@code VIRQ_DOM_EXC} (3): exceptional event for some domain (global). */
    DOM_EXC(3, false),
    /** {@code VIRQ_TBUF} (4): trace buffer has records (global). */
    TBUF(4, false),
    /** {@code VIRQ_DEBUGGER} (6): a domain has paused for a debugger (global). */
    DEBUGGER(6, false),
    /** {@code VIRQ_XENOPROF} (7): oprofile buffer half full (per-vCPU). */
    XENOPROF(7, true),
    /** {@code VIRQ_CON_RING} (8): the console ring has characters (global). */
    CON_RING(8, false),
    /** {@code VIRQ_PCPU_STATE} (9): physical CPU state changed (global). */
    PCPU_STATE(9, false),
    /** {@code VIRQ_MEM_EVENT} (10): memory event (global). */
    MEM_EVENT(10, false),
    /** {@code VIRQ_ARGO} (11): Argo interdomain message (global). */
    ARGO(11, false),
    /** {@code VIRQ_ENOMEM} (12): low on heap memory (global). */
    ENOMEM(12, false),
    /** {@code VIRQ_XENPMU} (13): PMC interrupt (per-vCPU). */
    XENPMU(13, true);

    private final int code;
    private final boolean perVcpu;

    Virq(int code, boolean perVcpu) {
        this.code = code;
        this.perVcpu = perVcpu;
    }

    /**
     * The numeric value on the wire.
     *
     * @return the value of {@code VIRQ_<name>}
     */
    public int code() {
        return code;
    }

    /**
     * Whether the VIRQ is per vCPU (bound once on each vCPU, never moved).
     *
     * @return the value
     */
    public boolean perVcpu() {
        return perVcpu;
    }

    /**
     * Looks up a value by number.
     *
     * @param code the value read from a peer (untrusted; any {@code long})
     * @return the constant, or empty when no constant has this value
     */
    public static Optional<Virq> of(long code) {
        for (Virq v : values()) {
            if (v.code == code) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /** {@code VIRQ_ARCH_0}: first architecture-specific VIRQ. */
    public static final int ARCH_0 = 16;
    /** {@code NR_VIRQS}: VIRQ numbers are below this. */
    public static final int NR_VIRQS = 24;
}
