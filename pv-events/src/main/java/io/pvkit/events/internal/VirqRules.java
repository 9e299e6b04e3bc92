package io.pvkit.events.internal;

import io.pvkit.abi.evtchn.Virq;

/** Xen's {@code virq_is_global}: per-vCPU VIRQs are the listed ones; every other number below NR_VIRQS is global. */
public final class VirqRules {
    private VirqRules() {
    }

    public static boolean isGlobal(int virq) {
        return Virq.of(virq).map(v -> !v.perVcpu()).orElse(true);
    }
}
