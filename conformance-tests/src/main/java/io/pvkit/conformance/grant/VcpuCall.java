package io.pvkit.conformance.grant;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** One grant operation of a vCPU, made on its thread; its statuses, or what it threw. */
final class VcpuCall {
    final String what;
    final Thread thread;
    private final KitVcpu vcpu;
    private final Callable<int[]> op;
    private final CompletableFuture<int[]> result = new CompletableFuture<>();

    VcpuCall(String what, KitVcpu vcpu, Callable<int[]> op) {
        this.what = what;
        this.vcpu = vcpu;
        this.thread = vcpu.thread;
        this.op = op;
    }

    void start() {
        vcpu.executor.execute(() -> {
            try {
                result.complete(op.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
    }

    boolean done() {
        return result.isDone();
    }

    boolean awaitDone(Duration max) {
        try {
            result.get(max.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The statuses; fails when the operation has not returned or threw. */
    int[] status() {
        assertTrue(done(), what + " has not returned");
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw new AssertionError(what + " threw " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Joins {@code first} (let go on) and then {@code second}, each with a bound, with a clear deadlock message. */
    static void joinBoth(VcpuCall first, VcpuCall second, String where) {
        if (!first.awaitDone(KitVcpu.DONE)) {
            fail(first.what + " did not return within " + KitVcpu.DONE + " after the kit let it go on, while "
                    + (second.done() ? "the other operation had returned" : "the other operation had not returned "
                    + "either (each waits for the other: a deadlock)") + where);
        }
        if (!second.awaitDone(KitVcpu.DONE)) {
            fail(second.what + " was still blocked " + KitVcpu.DONE + " after " + first.what + " returned: a lock of "
                    + "the entry left held after an operation ended (a deadlock)" + where);
        }
    }
}
