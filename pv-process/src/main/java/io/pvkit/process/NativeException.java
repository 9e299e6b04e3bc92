package io.pvkit.process;

/**
 * A system call pv-process made failed: the call and the {@code errno} it returned.
 */
public final class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The {@code errno}. */
    private final int errno;

    /**
     * Creates the exception.
     *
     * @param call what was called, for example {@code "memfd_create"}
     * @param errno the positive errno
     */
    public NativeException(String call, int errno) {
        super(call + " failed: errno " + errno);
        this.errno = errno;
    }

    /**
     * The errno the call returned.
     *
     * @return a positive Linux errno
     */
    public int errno() {
        return errno;
    }
}
