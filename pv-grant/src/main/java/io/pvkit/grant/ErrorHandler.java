package io.pvkit.grant;

import java.lang.System.Logger.Level;
import java.util.Objects;

/**
 * Receives the unexpected exceptions that {@link GrantTables} turns into {@code GNTST_general_error} (Agrona's
 * {@code ErrorHandler} shape). Nothing a guest can pass causes one: an exception here is a bug of the
 * hypervisor or of its platform (for example making a mapping's view failed), and it must be seen, not
 * only counted. The operation still returns its status code to the guest after the handler returned.
 *
 * <p>A handler is called on the thread of the failing operation, possibly with the tables' lock held; it
 * must not call back into {@link GrantTables}.
 */
@FunctionalInterface
public interface ErrorHandler {
    /**
     * Called with an unexpected exception.
     *
     * @param throwable what went wrong
     */
    void onError(Throwable throwable);

    /**
     * The default: logs the exception at {@code ERROR} to the {@link System.Logger} named
     * {@code io.pvkit.grant}.
     *
     * @return the logging handler
     */
    static ErrorHandler logging() {
        System.Logger logger = System.getLogger("io.pvkit.grant");
        return t -> logger.log(Level.ERROR, "unexpected exception in a grant-table operation", t);
    }

    /**
     * A handler that rethrows an unchecked exception (for tests that want unexpected errors to fail loudly).
     *
     * @return the rethrowing handler
     */
    static ErrorHandler rethrowing() {
        return t -> {
            Objects.requireNonNull(t, "throwable");
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        };
    }
}
