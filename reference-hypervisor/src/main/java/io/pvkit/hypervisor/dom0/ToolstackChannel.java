package io.pvkit.hypervisor.dom0;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The toolstack's mailbox to domain 0: messages are queued, then the doorbell (the core raises
 * {@code VIRQ_DOM_EXC} in domain 0) wakes domain 0, which drains the queue on its own vCPU. Thread-safe.
 */
public final class ToolstackChannel {
    private final ConcurrentLinkedQueue<ToolstackMessage> queue = new ConcurrentLinkedQueue<>();
    private final Runnable doorbell;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    /**
     * Creates the channel.
     *
     * @param doorbell what wakes domain 0 after a message was queued
     */
    public ToolstackChannel(Runnable doorbell) {
        this.doorbell = Objects.requireNonNull(doorbell, "doorbell");
    }

    /**
     * Queues a message and rings the doorbell.
     *
     * @param message the message
     */
    public void post(ToolstackMessage message) {
        queue.add(Objects.requireNonNull(message, "message"));
        doorbell.run();
    }

    /**
     * Rings the doorbell without a message: domain 0 runs a turn of its services (used by xenstored when a
     * tools connection queued output for a guest's ring).
     */
    public void ring() {
        doorbell.run();
    }

    /**
     * Takes the next message (domain 0's side).
     *
     * @return the message, or null when none is queued
     */
    public ToolstackMessage poll() {
        return queue.poll();
    }

    /**
     * Whether messages are waiting.
     *
     * @return true when the queue is not empty
     */
    public boolean hasMessages() {
        return !queue.isEmpty();
    }

    /**
     * Completed by domain 0 when its services are up (its VIRQ is bound).
     *
     * @return the readiness future
     */
    public CompletableFuture<Void> ready() {
        return ready;
    }
}
