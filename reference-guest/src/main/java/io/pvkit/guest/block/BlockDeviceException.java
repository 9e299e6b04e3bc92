package io.pvkit.guest.block;

/**
 * The common type of the block device's failures: a request the backend answered with an error
 * ({@link BlockIoException}) or a device the backend broke ({@link BlockDeviceFailedException}).
 */
public sealed class BlockDeviceException extends RuntimeException permits BlockIoException, BlockDeviceFailedException {
    private static final long serialVersionUID = 1L;

    /**
     * A failure with a message.
     *
     * @param message what failed
     * @param cause the underlying failure, or null
     */
    BlockDeviceException(String message, Throwable cause) {
        super(message, cause);
    }
}
