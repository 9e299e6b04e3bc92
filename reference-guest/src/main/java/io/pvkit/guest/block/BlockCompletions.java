package io.pvkit.guest.block;

import java.util.concurrent.CompletionException;

/** Helpers of the callback form ({@link BlockCompletion}). */
final class BlockCompletions {
    private BlockCompletions() {
    }

    /** The failure a future completed with, as a callback reports it (null for success). */
    static RuntimeException unwrap(Throwable e) {
        Throwable t = e instanceof CompletionException c && c.getCause() != null ? c.getCause() : e;
        if (t == null || t instanceof RuntimeException) {
            return (RuntimeException) t;
        }
        return new CompletionException(t);
    }
}
