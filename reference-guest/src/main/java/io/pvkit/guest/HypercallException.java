package io.pvkit.guest;

import io.pvkit.abi.XenErrno;

/**
 * A hypercall the guest needed failed at run time. When the result is {@code -ESRCH} the hypervisor
 * has shut the domain down or is destroying it ({@link #domainHalted()}); the guest then stops without
 * issuing further hypercalls.
 */
public final class HypercallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long result;

    /**
     * A failed hypercall.
     *
     * @param what the hypercall and its arguments, for the message
     * @param result the negative result the hypervisor returned
     */
    public HypercallException(String what, long result) {
        super(what + " failed: " + XenErrno.describe(result));
        this.result = result;
    }

    /**
     * The hypervisor's result.
     *
     * @return a negated errno
     */
    public long result() {
        return result;
    }

    /**
     * Whether the failure means the domain is shut down or being destroyed ({@code -ESRCH}).
     *
     * @return true when the hypervisor no longer runs this domain
     */
    public boolean domainHalted() {
        return result == XenErrno.ESRCH.negated();
    }
}
