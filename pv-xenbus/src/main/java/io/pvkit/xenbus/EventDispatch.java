package io.pvkit.xenbus;

/** Where a {@link XenbusClient} runs its {@link WatchListener}s. */
public enum EventDispatch {
    /**
     * On the caller's loop: events are queued as they arrive (also while a request waits for its reply)
     * and their listeners run only inside {@link XenbusClient#dispatchEvents()} and
     * {@link XenbusClient#awaitEvents(java.time.Duration)}. No thread is started. This is what a guest
     * uses: its one vCPU thread runs requests, waits and listeners.
     */
    CALLER,
    /**
     * On a dedicated daemon thread the client starts ({@code "xenbus-events"}), which also reads every
     * reply when no request is reading. Listeners may make requests. What a tool or a dom0 service on the
     * socket uses.
     */
    THREAD
}
