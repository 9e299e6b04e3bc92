package io.pvkit.guest.block;

/**
 * The block workload read back data that differs from what it wrote: the guest crashes with this message.
 */
public final class BlockVerifyException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * A verification failure.
     *
     * @param message how many blocks differ and where the first difference is
     */
    public BlockVerifyException(String message) {
        super(message);
    }
}
