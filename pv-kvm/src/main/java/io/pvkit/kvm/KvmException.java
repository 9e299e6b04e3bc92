package io.pvkit.kvm;

/**
 * A KVM or host system call failed, or the host's KVM lacks something pv-kvm needs. The message names
 * the operation (for example {@code "ioctl KVM_CREATE_VM"}) and the host errno by name.
 */
public final class KvmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The host {@code errno}, or 0 when the failure is not a failed system call. */
    private final int errno;

    /**
     * A failed system call.
     *
     * @param operation what was attempted
     * @param errno the host errno it failed with
     */
    public KvmException(String operation, int errno) {
        super(operation + " failed: " + io.pvkit.kvm.internal.Errno.describe(errno));
        this.errno = errno;
    }

    /**
     * A failure that is not a system call's (a missing capability, an unsupported guest image, ...).
     *
     * @param message what is wrong, naming what is missing
     */
    public KvmException(String message) {
        super(message);
        this.errno = 0;
    }

    /**
     * The host errno of the failed system call.
     *
     * @return the errno, or 0 when this failure was not a failed system call
     */
    public int errno() {
        return errno;
    }
}
