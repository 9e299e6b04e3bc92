package io.pvkit.hypervisor.dom0.block;

import io.pvkit.abi.blkif.BlkifRequestLayout;
import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.abi.XenErrno;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The thread that serves one queue (one ring, one event channel) of one vbd: Linux's
 * {@code xen_blkif_schedule} kthread per ring. It consumes at most {@value #BATCH} requests per turn,
 * performs each ({@link RequestExecutor}) and publishes its response at once (notifying the frontend when
 * {@code rsp_event} asks for it) and then either yields (more requests wait: the other queues and guests
 * get the CPU between turns) or, once the ring is empty, polls it for an adaptive, bounded window
 * ({@link PollWindow}: requests that arrive meanwhile are served without any notification) and only then arms
 * {@code req_event} and parks until domain 0's event handler for this queue's port calls {@link #kick()}.
 *
 * <p>Its hypercalls (grant copies, {@code EVTCHNOP_send}) are domain 0's: they go through its own
 * {@link io.pvkit.abi.hypercall.GuestHypercalls} whose scratch page is a frame of domain 0 reserved for this
 * worker ({@link WorkerCalls}: arguments written in place, nothing allocated per request), so workers never
 * share marshalling memory with each other or with domain 0's vCPU.
 *
 * <p>A ring the frontend breaks (a producer index that overflows) stops this worker only: the queue
 * answers nothing more until the device is disconnected; other queues and guests go on.
 */
final class QueueWorker implements Runnable {
    /** The blkif ring: 112-byte slots (the union of {@code blkif_request} and {@code blkif_response}). */
    static final RingType BLKIF = RingType.of("blkif", BlkifRequestLayout.LAYOUT, BlkifResponseLayout.LAYOUT,
            new RingIdField(BlkifRequestLayout.ID_OFFSET, 8), new RingIdField(BlkifResponseLayout.ID_OFFSET, 8));
    /** Requests served per turn before the worker yields. */
    static final int BATCH = 32;
    /** The longest a worker parks without a kick (a safety net; kicks normally wake it). */
    private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long ESRCH = XenErrno.ESRCH.negated();
    /**
     * The first part of a poll window spins ({@link Thread#onSpinWait}) instead of yielding: a frontend that keeps
     * one request in flight answers within a few microseconds, and a {@code sched_yield} per look costs a system
     * call and, when other threads are runnable, a context switch per request in each direction. Past this, the
     * window yields between looks, so the frontend's vCPU can run on the same core.
     */
    static final long SPIN_NANOS = 5_000;

    private final String name;
    private final BackRing ring;
    private final int localPort;
    private final WorkerCalls calls;
    private final RequestExecutor executor;
    private final BlockCounters counters;
    private final Consumer<String> say;
    private final MemorySegment response = MemorySegment.ofArray(new long[2]);
    private final PollWindow window;
    private final BackRing.RequestHandler handler = this::handle; // one object, not one per turn
    private volatile boolean running = true;
    private volatile boolean kicked;
    private boolean destroyed;
    private volatile Thread thread;

    QueueWorker(String name, BackRing ring, int localPort, WorkerCalls calls, RequestExecutor executor,
                BlockCounters counters, Consumer<String> say) {
        this.name = name;
        this.ring = ring;
        this.localPort = localPort;
        this.calls = calls;
        this.executor = executor;
        this.counters = counters;
        this.say = say;
        this.window = PollWindow.fromProperty();
    }

    void start() {
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(this);
        thread = t;
        counters.workers.incrementAndGet();
        t.start();
    }

    /** Wakes the worker (called by domain 0's event handler for this queue's port). */
    void kick() {
        kicked = true;
        LockSupport.unpark(thread);
    }

    /**
     * Stops the worker and waits for its thread to end.
     *
     * @param timeoutMillis the longest wait
     * @return whether the thread ended
     */
    boolean stop(long timeoutMillis) {
        running = false;
        Thread t = thread;
        if (t == null) {
            return true;
        }
        LockSupport.unpark(t);
        if (t == Thread.currentThread()) {
            return false;
        }
        try {
            t.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    @Override
    public void run() {
        try {
            serve();
        } catch (RingBrokenException e) {
            say.accept(name + ": ring broken by the frontend (" + e.fault() + "); this queue stops");
        } catch (IllegalStateException e) {
            if (running) {
                say.accept(name + ": stopped: " + e.getMessage()); // a mapping died (the guest is going away)
            }
        } finally {
            try {
                executor.release();
            } catch (RuntimeException e) {
                say.accept(name + ": releasing persistent grants: " + e);
            }
            counters.workers.decrementAndGet();
        }
    }

    private void serve() {
        while (running) {
            int n = ring.pollRequests(handler, BATCH);
            if (destroyed || (ring.pushResponses() && calls.send(localPort) == ESRCH)) {
                return; // domain 0 is being destroyed
            }
            if (n == BATCH) {
                Thread.yield(); // bounded turn: other queues and guests run between our batches
                continue;
            }
            long emptySince = System.nanoTime();
            if (poll(emptySince)) {
                continue; // requests came within the window: req_event was not re-armed, nobody notified
            }
            if (ring.finalCheckForRequests()) {
                continue;
            }
            while (running && !kicked) {
                LockSupport.parkNanos(this, PARK_NANOS);
                if (ring.unconsumedRequests() > 0) {
                    break; // a notification may have been lost: the ring is the truth
                }
            }
            kicked = false;
            window.parked(System.nanoTime() - emptySince);
        }
    }

    /**
     * Polls the empty ring for the current window without re-arming {@code req_event} (see {@link PollWindow}),
     * spinning for the first {@value #SPIN_NANOS} ns and then yielding between looks so that the frontend's vCPU
     * can run on the same core.
     *
     * @return whether requests arrived within the window
     */
    private boolean poll(long since) {
        long w = window.window();
        if (w == 0) {
            return false;
        }
        long deadline = since + w;
        long spinUntil = since + Math.min(w, SPIN_NANOS);
        long now = since;
        do {
            if (now - spinUntil < 0) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            if (ring.unconsumedRequests() > 0) {
                return true;
            }
            now = System.nanoTime();
        } while (running && now - deadline < 0);
        return false;
    }

    private void handle(MemorySegment req) {
        // UNTRUSTED: id and operation come from the private copy and are only echoed back
        long id = req.get(ValueLayout.JAVA_LONG, BlkifRequestLayout.ID_OFFSET);
        byte op = req.get(ValueLayout.JAVA_BYTE, BlkifRequestLayout.OPERATION_OFFSET);
        short status = executor.execute(req);
        response.fill((byte) 0); // padding zero
        response.set(ValueLayout.JAVA_LONG, BlkifResponseLayout.ID_OFFSET, id);
        response.set(ValueLayout.JAVA_BYTE, BlkifResponseLayout.OPERATION_OFFSET, op);
        response.set(ValueLayout.JAVA_SHORT, BlkifResponseLayout.STATUS_OFFSET, status);
        ring.putResponse(response);
        // each response is published at once (Linux's make_response pushes per request), not at the end of the
        // batch: a frontend that polls sees its completions as they happen instead of 32 at a time, and so keeps
        // the ring full without arming rsp_event; the notification decision is io/ring.h's as before
        if (ring.pushResponses() && calls.send(localPort) == ESRCH) {
            destroyed = true;
        }
        if (status == BlkifResponseLayout.RSP_OKAY) {
            counters.requests.increment();
        } else {
            counters.errors.increment();
        }
    }
}
