package io.pvkit.conformance.grant;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A vCPU of a domain: one long-lived thread that makes every call of that vCPU (a mapping made on it is unmapped on
 * it, so an implementation that ties a mapping to the thread that made it sees one owner).
 */
final class KitVcpu implements AutoCloseable {
    /** How long an operation that nothing blocks may take to reach a stop or to return. */
    static final Duration DONE = Duration.ofSeconds(10);
    /** The longest a stop holds an operation (a backstop: the kit always lets it go on before). */
    static final Duration HOLD = Duration.ofSeconds(30);

    final String name;
    final ExecutorService executor;
    final Thread thread;

    KitVcpu(String name) {
        this.name = name;
        this.executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("pvkit-kit " + name)
                .unstarted(r));
        try {
            this.thread = executor.submit(Thread::currentThread).get(DONE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("the kit could not start the thread of " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Runs {@code op} on this vCPU and waits (bounded) for its statuses. */
    int[] call(String what, Callable<int[]> op) {
        VcpuCall w = new VcpuCall(what + " on " + name, this, op);
        w.start();
        assertTrue(w.awaitDone(DONE), w.what + " did not return within " + DONE + " (nothing else was running)");
        return w.status();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** Waits, polling every millisecond, until {@code condition} holds or {@code max} has passed. */
    static void awaitUntil(BooleanSupplier condition, Duration max) {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() - end < 0) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** Waits (bounded) for the kit to let the operation go on; only waits, never calls the implementation. */
    static void hold(CountDownLatch go) {
        try {
            if (!go.await(HOLD.toMillis(), TimeUnit.MILLISECONDS)) {
                return; // the kit failed before letting it go on; the backstop frees the thread
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
