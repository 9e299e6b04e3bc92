package io.pvkit.abi.spi;

import io.pvkit.abi.hypercall.HypercallContext;

/**
 * The hypervisor's entry point for hypercalls: the x86_64 Xen convention of an op number and up to
 * five 64-bit arguments (rdi, rsi, rdx, r10, r8), returning a {@code long} in rax.
 *
 * <p>A hypervisor implements this; a guest's vCPU (or a VMM's vCPU loop on a hypercall exit) calls it.
 * Pointer arguments are addresses in the caller's memory, translated by the caller context's
 * {@link GuestAddressTranslator}. Unused arguments are 0.
 *
 * <p>Contract: the result is 0 or a positive op-specific value on success, or a negated
 * {@link io.pvkit.abi.XenErrno} on failure ({@code -ENOSYS} for unknown ops). An implementation never
 * lets an exception escape to the calling guest: a bad guest pointer is {@code -EFAULT}.
 */
@FunctionalInterface
public interface HypercallHandler {
    /**
     * Performs one hypercall on behalf of {@code caller}.
     *
     * @param caller the calling domain and vCPU, with its memory
     * @param op the hypercall number ({@code __HYPERVISOR_*})
     * @param arg1 first argument (rdi)
     * @param arg2 second argument (rsi)
     * @param arg3 third argument (rdx)
     * @param arg4 fourth argument (r10)
     * @param arg5 fifth argument (r8)
     * @return the hypercall's result: non-negative on success, a negated errno on failure
     */
    long hypercall(HypercallContext caller, long op, long arg1, long arg2, long arg3, long arg4, long arg5);
}
