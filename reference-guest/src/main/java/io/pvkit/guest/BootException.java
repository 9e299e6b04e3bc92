package io.pvkit.guest;

/**
 * The guest cannot boot: its start info is invalid, or the hypervisor refused or answered nonsense to
 * one of the boot hypercalls. The reference guest prints the message on its console and shuts down
 * with {@code SHUTDOWN_crash}.
 */
public final class BootException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * A boot failure.
     *
     * @param message what was wrong, naming the field or hypercall and the value seen
     */
    public BootException(String message) {
        super(message);
    }

    /**
     * A boot failure caused by another exception.
     *
     * @param message what was wrong
     * @param cause the underlying failure
     */
    public BootException(String message, Throwable cause) {
        super(message, cause);
    }
}
