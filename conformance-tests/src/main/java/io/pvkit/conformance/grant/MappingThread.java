package io.pvkit.conformance.grant;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A thread of a backend that maps a grant and keeps using it, for the release rules (GNT-38, GNT-39): the kit hands it
 * one call at a time ({@link #call}) and waits for the answer, so the order of its calls and the test thread's is
 * fixed; between calls it waits idle (nothing in flight). {@link #end()} lets it finish and joins it: afterwards the
 * thread is dead ({@link Thread#isAlive()} is false), so an implementation that confines a mapping to its thread sees
 * that nobody can use the mapping any more.
 */
final class MappingThread implements AutoCloseable {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Runnable END = () -> { };

    private final BlockingQueue<Runnable> calls = new LinkedBlockingQueue<>();
    private final Thread thread;

    private MappingThread(String name) {
        thread = Thread.ofPlatform().daemon().name(name).start(() -> {
            while (true) {
                Runnable next;
                try {
                    next = calls.take();
                } catch (InterruptedException e) {
                    return;
                }
                if (next == END) {
                    return;
                }
                next.run();
            }
        });
    }

    /**
     * Starts an idle thread.
     *
     * @param name the thread's name
     * @return the thread, waiting for calls
     */
    static MappingThread start(String name) {
        return new MappingThread(name);
    }

    /**
     * Runs {@code call} on this thread and waits for it.
     *
     * @param what what the call does (for the failure message)
     * @param call the call
     * @param <T> its result
     * @return what it returned
     * @throws AssertionError when it threw (with its exception as the cause) or did not return within 20 s
     */
    <T> T call(String what, Callable<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        calls.add(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AssertionError failed) {
                throw failed;
            }
            throw new AssertionError(what + " on the mapping thread threw " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError(what + " on the mapping thread did not return within " + DEADLINE, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
    }

    /**
     * Whether {@code access} throws a {@link RuntimeException} when run on this thread.
     *
     * @param what the access (for a failure message)
     * @param access the access
     * @return true when it threw, false when it returned
     */
    boolean refuses(String what, ThrowingRunnable access) {
        return call(what, () -> {
            try {
                access.run();
                return false;
            } catch (RuntimeException refused) {
                return true;
            }
        });
    }

    /** An access that may throw a checked exception (a channel transfer). */
    @FunctionalInterface
    interface ThrowingRunnable {
        /**
         * Runs the access.
         *
         * @throws Exception what the access throws
         */
        void run() throws Exception;
    }

    /** @return the thread (to tell whether it is alive) */
    Thread thread() {
        return thread;
    }

    /**
     * Lets the thread finish once its calls are done and waits until it has ended.
     *
     * @throws AssertionError when it does not end within 20 s
     */
    void end() {
        calls.add(END);
        try {
            thread.join(DEADLINE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the mapping thread to end", e);
        }
        if (thread.isAlive()) {
            throw new AssertionError("the mapping thread did not end within " + DEADLINE);
        }
    }

    /** Ends the thread if it still runs. */
    @Override
    public void close() {
        if (thread.isAlive()) {
            end();
        }
    }
}
