package io.pvkit.abi.hypercall;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.memory.GuestMemoryFault;

import java.util.function.LongSupplier;

/**
 * Helpers for producing hypercall results.
 */
public final class HypercallResults {
    private HypercallResults() {
    }

    /**
     * Runs a hypercall body and converts a bad guest pointer into {@code -EFAULT}, so that no
     * {@link GuestMemoryFault} escapes to the calling guest.
     *
     * @param body the hypercall's work, returning its result
     * @return the body's result, or {@code -EFAULT}
     */
    public static long guard(LongSupplier body) {
        try {
            return body.getAsLong();
        } catch (GuestMemoryFault fault) {
            return XenErrno.EFAULT.negated();
        }
    }
}
