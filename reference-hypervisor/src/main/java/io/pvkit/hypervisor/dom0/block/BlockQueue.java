package io.pvkit.hypervisor.dom0.block;

import io.pvkit.abi.XenErrno;
import io.pvkit.abi.blkif.BlkifRequestLayout;
import io.pvkit.abi.blkif.BlkifResponseLayout;
import io.pvkit.rings.BackRing;
import io.pvkit.rings.RingBrokenException;
import io.pvkit.rings.RingIdField;
import io.pvkit.rings.RingType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One queue (one ring, one event channel) of one vbd, served in turns by one thread of the backend's
 * {@link BlockWorkers} (Linux's per-ring {@code xen_blkif_ring}; the thread is its vhost-style worker). A turn
 * ({@link #turn(long)}) consumes at most {@value #BUDGET} requests, performs each ({@link RequestExecutor}) and
 * publishes its response at once (notifying the frontend when {@code rsp_event} asks for it); the thread then
 * gives the next queue its turn. So a guest that keeps its ring full gets one budget per round of its
 * worker, like every other queue, and no more: NAPI's and netback's budget applied to blkif.
 *
 * <p>Modes, all changed by the owning thread only:
 * <ul>
 *   <li>{@code ACTIVE}: the last turn used its whole budget; the next turn looks again.</li>
 *   <li>{@code POLLING}: the ring went empty; for the {@link PollWindow} it is looked at every round without
 *       re-arming {@code req_event}, so requests that arrive meanwhile are served with no notification.</li>
 *   <li>{@code ARMED}: the window ended, {@code req_event} is armed (final check); turns cost one volatile read
 *       until domain 0's event handler for the queue's port calls {@link #kick()}.</li>
 * </ul>
 * A kick that finds the ring empty (a frontend kicking for nothing, or a storm) re-arms at once: it costs one
 * look at the ring, opens no poll window and does not grow the window, so empty kicks cannot make domain 0 poll.
 *
 * <p>Late EOI (Linux's {@code lateeoi} for backends, XSA-332): domain 0's event handler masks the queue's port
 * when it kicks, and the queue unmasks it ({@code EVTCHNOP_unmask}, which raises an event sent meanwhile) only
 * when it re-arms; after two or more empty kicks in a row the unmask waits ({@link #spuriousDelay}: 1 ms doubling
 * to 64 ms). While the port is masked, the frontend's sends only set its pending bit: a storming guest pays for
 * its own storm on its own vCPU, and neither domain 0's vCPU nor the worker wakes for it.
 *
 * <p>Its hypercalls (grant copies, {@code EVTCHNOP_send}) are domain 0's: they go through its own
 * {@link io.pvkit.abi.hypercall.GuestHypercalls} whose scratch page is a frame of domain 0 reserved for this
 * queue ({@link WorkerCalls}: arguments written in place, nothing allocated per request), so queues never
 * share marshalling memory with each other or with domain 0's vCPU, whichever thread serves them.
 *
 * <p>A ring the frontend breaks (a producer index that overflows) ends this queue only: it answers nothing more
 * until the device is disconnected; other queues and guests go on. So does any other failure of a turn.
 */
final class BlockQueue {
    /** The blkif ring: 112-byte slots (the union of {@code blkif_request} and {@code blkif_response}). */
    static final RingType BLKIF = RingType.of("blkif", BlkifRequestLayout.LAYOUT, BlkifResponseLayout.LAYOUT,
            new RingIdField(BlkifRequestLayout.ID_OFFSET, 8), new RingIdField(BlkifResponseLayout.ID_OFFSET, 8));
    /** Requests served per turn: then the next queue of the same worker has its turn. */
    static final int BUDGET = 16;
    /** {@link #turn} results: nothing to do (armed, or gone). */
    static final int IDLE = 0;
    /** {@link #turn} results: polling an empty ring inside its window. */
    static final int POLLING = 1;
    /** {@link #turn} results: served requests, fewer than the budget (or found some at the final check). */
    static final int WORKED = 2;
    /** {@link #turn} results: served a whole budget; more may wait. */
    static final int FULL = 3;
    private static final int ACTIVE = 0;
    private static final int POLL = 1;
    private static final int ARMED = 2;
    private static final long ESRCH = XenErrno.ESRCH.negated();
    /** The first delay of a late unmask (after the second empty kick in a row). */
    static final long SPURIOUS_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** The longest delay of a late unmask. */
    static final long MAX_SPURIOUS_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(64);

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
    private final CountDownLatch done = new CountDownLatch(1);
    /** Set by {@link #kick()} (domain 0's vCPU), cleared by the owner when it looks at the ring. */
    private volatile boolean notified;
    private volatile boolean stopping;
    /** The worker that serves this queue (set once by {@link BlockWorkers#add} before the queue is published). */
    private volatile BlockWorkers.Worker owner;
    // owner thread only
    private int mode = ACTIVE; // a queue that just connected is assumed busy: it looks, then polls its window
    private long emptySince;
    private long deadline;
    private boolean destroyed;
    private boolean finished;
    /** The event handler masked the port when it kicked; the port is unmasked when the queue re-arms. */
    private boolean masked;
    /** Kicks in a row that found the ring empty. */
    private int spurious;
    /** When a delayed unmask is due (0: none). */
    private long unmaskAt;

    BlockQueue(String name, BackRing ring, int localPort, WorkerCalls calls, RequestExecutor executor,
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

    String name() {
        return name;
    }

    void owner(BlockWorkers.Worker w) {
        owner = w;
    }

    /** Marks the queue notified and wakes its worker if it sleeps (called by domain 0's event handler). */
    void kick() {
        notified = true;
        BlockWorkers.Worker w = owner;
        if (w != null) {
            w.wake();
        }
    }

    /** Whether a turn would do something now (the worker checks this before it sleeps). */
    boolean pending() {
        return notified || stopping;
    }

    /**
     * The safety net after a long sleep of the worker: an armed ring with requests counts as notified (a lost
     * notification must not strand it). Owner thread only.
     */
    void sweep() {
        if (mode == ARMED && !finished && ring.unconsumedRequests() > 0) {
            notified = true;
        }
    }

    /**
     * Stops the queue: its worker ends its current turn, releases the persistent grants and drops the queue.
     *
     * @param timeoutMillis the longest wait
     * @return whether the queue ended
     */
    boolean stop(long timeoutMillis) {
        stopping = true;
        BlockWorkers.Worker w = owner;
        if (w == null) {
            return true;
        }
        if (w.isCurrentThread()) {
            return false;
        }
        w.wake();
        try {
            boolean ended = done.await(timeoutMillis, TimeUnit.MILLISECONDS);
            if (ended) {
                w.awaitRetired(timeoutMillis);
            }
            return ended;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return done.getCount() == 0;
        }
    }

    /**
     * One turn (owner thread only).
     *
     * @param now {@link System#nanoTime()} at the start of the worker's round
     * @return {@link #IDLE}, {@link #POLLING}, {@link #WORKED} or {@link #FULL}
     */
    int turn(long now) {
        if (finished) {
            return IDLE;
        }
        if (stopping) {
            finish();
            return IDLE;
        }
        try {
            if (mode == ARMED) {
                if (!notified) {
                    if (unmaskAt != 0 && now - unmaskAt >= 0) {
                        unmask(); // the late unmask is due: a kick sent meanwhile is raised again now
                    }
                    return destroyed ? served(0) : IDLE;
                }
                consumeKick();
                int n = serve();
                if (n == 0) {
                    spurious++;
                    return destroyed ? served(0) : rearm(now); // a kick with nothing behind it: one look, no window
                }
                window.parked(now - emptySince); // the request that ended this idle period came after now - emptySince
                return served(n);
            }
            if (notified) {
                consumeKick(); // looking at the ring anyway
            }
            int n = serve();
            if (n > 0 || destroyed) {
                return served(n);
            }
            if (mode == ACTIVE) {
                startWindow(now);
            }
            return now - deadline < 0 ? POLLING : rearm(now);
        } catch (RingBrokenException e) {
            say.accept(name + ": ring broken by the frontend (" + e.fault() + "); this queue stops");
        } catch (IllegalStateException e) {
            if (!stopping) {
                say.accept(name + ": stopped: " + e.getMessage()); // a mapping died (the guest is going away)
            }
        } catch (RuntimeException e) {
            say.accept(name + ": stopped: " + e);
        }
        finish();
        return IDLE;
    }

    private int serve() {
        int n = ring.pollRequests(handler, BUDGET);
        if (ring.pushResponses() && calls.send(localPort) == ESRCH) {
            destroyed = true;
        }
        return n;
    }

    private void consumeKick() {
        notified = false;
        masked = true; // the handler masked the port before it set the flag
    }

    private int served(int n) {
        spurious = 0;
        if (destroyed) {
            finish(); // domain 0 is being destroyed
            return IDLE;
        }
        if (n == BUDGET) {
            mode = ACTIVE;
            return FULL;
        }
        startWindow(System.nanoTime()); // fewer than the budget: the ring is empty now
        return WORKED;
    }

    private void startWindow(long now) {
        mode = POLL;
        emptySince = now;
        deadline = now + window.window();
    }

    /**
     * Unmasks the port if a kick masked it (at once, or late after empty kicks in a row: Linux's lateeoi with
     * {@code XEN_EOI_FLAG_SPURIOUS}), then arms {@code req_event} and checks once more (io/ring.h's final check).
     */
    private int rearm(long now) {
        if (masked) {
            long delay = spuriousDelay(spurious);
            if (delay == 0) {
                unmask();
            } else {
                unmaskAt = now + delay | 1; // never 0
            }
        }
        if (ring.finalCheckForRequests()) {
            mode = ACTIVE;
            return WORKED;
        }
        mode = ARMED;
        return IDLE;
    }

    /**
     * How long the port stays masked after {@code spurious} empty kicks in a row: 0 for none or one, then
     * {@link #SPURIOUS_DELAY_NANOS} doubling up to {@link #MAX_SPURIOUS_DELAY_NANOS}. A frontend that kicks for
     * nothing is heard at most every 64 ms; one that sends requests resets the count with its first one.
     */
    static long spuriousDelay(int spurious) {
        if (spurious < 2) {
            return 0;
        }
        return Math.min(MAX_SPURIOUS_DELAY_NANOS, SPURIOUS_DELAY_NANOS << Math.min(spurious - 2, 16));
    }

    private void unmask() {
        masked = false;
        unmaskAt = 0;
        if (calls.unmask(localPort) == ESRCH) {
            destroyed = true;
        }
    }

    /** When this queue's worker must wake for a late unmask ({@link System#nanoTime()}; 0: no need). */
    long unmaskAt() {
        return unmaskAt;
    }

    /** Releases the queue's persistent grants and leaves its worker (owner thread, once). */
    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        try {
            executor.release();
        } catch (RuntimeException e) {
            say.accept(name + ": releasing persistent grants: " + e);
        }
        owner.remove(this);
        counters.workers.decrementAndGet();
        done.countDown();
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
        // turn: a frontend that polls sees its completions as they happen and so keeps the ring full without
        // arming rsp_event; the notification decision is io/ring.h's
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
